/*
 * transport_sim.cpp: the `sim` board, the SoC's RTL under Verilator in-process: the same bytes the
 * host sends to a real board go into
 *   sim             rtl/mmf_soc_core.v, every engine (fast mode: a byte every 8 cycles, straight into
 *                   the packet layer, for long runs);
 *   sim?uart=1      sim/vboard_uart.v: the same core behind its UART, line bits at 4 cycles per bit
 *                   (12 Mbaud at 48 MHz), so link-bound figures are those of a real board;
 *   sim:BOARD       the board's own top module (boards/BOARD/) with its clock models (sim/ice40),
 *                   reset, PHY and the engines its bitstream carries, behind the host's side of its
 *                   link: sim/vboard_board.v (a UART pair) or the model its board.mk names as
 *                   SIM_TOP (sim/vboard_spi.v: the host's SPI master). Same ports, one class.
 * Built twice: into build/bin/mmfree against the models built for speed, and into mmfree-vboard
 * against models with FST tracing compiled in (MMF_SIM_TRACE), which can dump a window of cycles.
 *
 * The transport's clock is simulated time: a wait of timeout_ms simulates that many milliseconds of
 * the 48 MHz core (about 2 s of wall time per 100 ms), so give `sim` a short timeout_ms (5 is safe:
 * the longest command, a RUN over the whole weight memory, takes under 1 ms).
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <string>

#include "Vboard.h"
#include "Vmmf_soc_core.h"
#include "Vvboard_uart.h"
#include "verilated.h"
#ifdef MMF_SIM_TRACE
#include "verilated_fst_c.h"
#endif

extern "C" {
#include "mmfree.h"
#include "transport_sim.h"
#include "uri.h"
}

#ifndef MMF_SIM_BOARD
#define MMF_SIM_BOARD "icebreaker"
#endif

namespace {

const uint64_t SIM_CLOCK_HZ = 48000000;
const uint32_t FAST_BYTE_CYCLES = 8;
const int BOARD_BOOT_CYCLES = 64;      /* a board top resets itself after its PLL locks */

/* One simulated board: the Verilated top and the bytes in flight both ways. */
struct SimBoard {
	std::unique_ptr<VerilatedContext> ctx; /* Verilator's simulation context */
	std::deque<uint8_t> to_board;         /* host bytes not yet taken by the board */
	std::deque<uint8_t> to_host;          /* board bytes not yet read by the host */
	uint64_t cycles = 0;                  /* simulated core cycles */
	uint32_t gap = 0;                     /* fast mode: cycles since the last byte went in */
	std::string trace;                    /* FST file, or empty */
	uint64_t trace_from = 0, trace_to = 0; /* its window of cycles [from, to) */
	bool direct = false;                  /* SPI board: the pins below, not the model's master */
	uint8_t sck = 0, cs_n = 1, mosi = 0;  /* ... driven by mmfi_sim_spi_pins */
	virtual ~SimBoard() {}
	virtual void step() = 0;              /* one clock cycle, moving bytes both ways */
	virtual bool has_pins() { return false; } /* an SPI board whose pins can be driven */
	virtual int miso() { return 1; }      /* MISO as the master sees it now */
};

template <class V> struct SimTop : SimBoard {
	std::unique_ptr<V> top;
	bool uart;
#ifdef MMF_SIM_TRACE
	std::unique_ptr<VerilatedFstC> fst;   /* open while in the trace window */
#endif

	SimTop(bool u, const struct mmfi_sim_opts *o) : uart(u)
	{
		ctx.reset(new VerilatedContext);
		if (o->trace) {
			trace = o->trace;
			trace_from = o->trace_from;
			trace_to = o->trace_to;
			ctx->traceEverOn(true);
		}
		top.reset(new V(ctx.get()));
		// the INA226 model's readings, as its registers hold them (2.5 uV and 1.25 mV per LSB)
		top->i_ina_present = !o->ina_absent;
		top->i_ina_shunt = (uint16_t)((o->ina_set ? o->ina_shunt_uv : (uint32_t)MMFI_SIM_INA_SHUNT_UV) * 2 / 5);
		top->i_ina_bus = (uint16_t)((o->ina_set ? o->ina_bus_mv : (uint32_t)MMFI_SIM_INA_BUS_MV) * 4 / 5);
		top->i_clk = 0;
		top->i_reset = 1;
		top->i_rx_valid = 0;
		top->i_tx_ready = 1;
		top->eval();
		for (int i = 0; i < 4; i++)
			clock();
		top->i_reset = 0;
	}
	~SimTop()
	{
#ifdef MMF_SIM_TRACE
		if (fst)
			fst->close();
#endif
		top->final();
	}

	void dump(uint64_t t)
	{
#ifdef MMF_SIM_TRACE
		if (trace.empty())
			return;
		if (!fst && cycles >= trace_from && cycles < trace_to) {
			fst.reset(new VerilatedFstC);
			top->trace(fst.get(), 99);
			fst->open(trace.c_str());
		}
		if (fst) {
			fst->dump(t);
			if (cycles >= trace_to) {
				fst->close();
				fst.reset();
				trace.clear();
			}
		}
#else
		(void)t;
#endif
	}

	void clock()
	{
		top->i_clk = 1;
		top->eval();
		dump(2 * cycles + 1);
		top->i_clk = 0;
		top->eval();
		dump(2 * cycles + 2);
		cycles++;
	}

	bool rx_ready();
	/* an SPI board's pins (specialised below for the SPI board model) */
	void drive() {}
	bool has_pins() override { return false; }
	int miso() override { return 1; }

	void step() override
	{
		drive();
		bool offer = !to_board.empty() && (uart || gap >= FAST_BYTE_CYCLES);
		top->i_rx_valid = offer;
		if (offer)
			top->i_rx_data = to_board.front();
		top->eval();
		bool moved = offer && rx_ready();
		if (top->o_tx_valid)
			to_host.push_back(top->o_tx_data);
		clock();
		gap = moved ? 1 : gap + 1;
		if (moved)
			to_board.pop_front();
	}
};

template <> bool SimTop<Vmmf_soc_core>::rx_ready() { return true; }
template <> bool SimTop<Vvboard_uart>::rx_ready() { return top->o_rx_ready; }
template <> bool SimTop<Vboard>::rx_ready() { return top->o_rx_ready; }

#ifdef MMF_SIM_SPI
/* The SPI board (sim/vboard_spi.v): its pins can be driven from here, for the emulated FT232H. */
template <> void SimTop<Vboard>::drive()
{
	top->i_direct = direct;
	top->i_pin_sck = sck;
	top->i_pin_cs_n = cs_n;
	top->i_pin_mosi = mosi;
}
template <> bool SimTop<Vboard>::has_pins() { return true; }
template <> int SimTop<Vboard>::miso()
{
	drive();
	top->eval();
	return top->o_pin_miso;
}
#endif

/* What the C side holds: the transport header first, then the board. */
struct SimHandle {
	mmfi_transport base;                  /* must be first */
	SimBoard *b;                          /* the simulated board */
	char name[48];                        /* "sim:icebreaker" */
};

SimBoard *board(mmfi_transport *t) { return reinterpret_cast<SimHandle *>(t)->b; }

int sim_send(mmfi_transport *t, const uint8_t *buf, size_t n)
{
	SimBoard *s = board(t);
	s->to_board.insert(s->to_board.end(), buf, buf + n);
	/* the bytes take their link time: the host's write returns when they are on the wire */
	while (!s->to_board.empty())
		s->step();
	return MMF_OK;
}

int sim_recv(mmfi_transport *t, uint8_t *buf, size_t max, uint32_t timeout_ms, size_t *got)
{
	SimBoard *s = board(t);
	uint64_t end = s->cycles + (uint64_t)timeout_ms * (SIM_CLOCK_HZ / 1000);
	size_t n = 0;

	while (s->to_host.empty() && s->cycles < end)
		s->step();
	while (n < max && !s->to_host.empty()) {
		buf[n++] = s->to_host.front();
		s->to_host.pop_front();
	}
	*got = n;
	return MMF_OK;
}

void sim_close(mmfi_transport *t)
{
	delete board(t);
	delete reinterpret_cast<SimHandle *>(t);
}

uint64_t sim_now(mmfi_transport *t)
{
	return board(t)->cycles / (SIM_CLOCK_HZ / 1000000);
}

const struct mmfi_transport_ops sim_ops = {sim_send, sim_recv, sim_close, sim_now};

} // namespace

extern "C" void mmfi_sim_step(mmfi_transport *t, uint32_t cycles)
{
	SimBoard *s = board(t);

	for (uint32_t i = 0; i < cycles && s->to_host.empty(); i++)
		s->step();
}

extern "C" int mmfi_sim_spi_pins(mmfi_transport *t, int sck, int cs_n, int mosi, uint32_t cycles, int *miso)
{
	SimBoard *s = board(t);

	if (!s->has_pins())
		return MMF_ERR_UNSUPPORTED;
	s->direct = true;
	s->sck = (uint8_t)(sck != 0);
	s->cs_n = (uint8_t)(cs_n != 0);
	s->mosi = (uint8_t)(mosi != 0);
	/* what the master samples as it changes the pins: the line before the board sees the change */
	if (miso)
		*miso = s->miso();
	for (uint32_t i = 0; i < cycles; i++)
		s->step();
	return MMF_OK;
}

extern "C" const char *mmfi_sim_board_name(void)
{
	return MMF_SIM_BOARD;
}

extern "C" int mmfi_sim_open(const struct mmfi_sim_opts *o, mmfi_transport **out, char *err, size_t err_len)
{
	SimHandle *h = nullptr;
	bool is_board = o->board && o->board[0];

	if (is_board && strcmp(o->board, MMF_SIM_BOARD)) {
		mmfi_msg(err, err_len, "sim:%s: this build simulates the %s board (make BOARD=%s builds "
			 "another)", o->board, MMF_SIM_BOARD, o->board);
		return MMF_ERR_NO_BOARD;
	}
	if (is_board && o->uart) {
		mmfi_msg(err, err_len, "sim:%s: a board's own top has its board's link; uart=1 is for "
			 "the generic 'sim'", o->board);
		return MMF_ERR_ARG;
	}
#ifndef MMF_SIM_TRACE
	if (o->trace) {
		mmfi_msg(err, err_len, "sim: this program has no tracing compiled in (mmfree-vboard "
			 "--trace has)");
		return MMF_ERR_UNSUPPORTED;
	}
#endif
	try {
		h = new SimHandle();
		if (is_board) {
			auto *b = new SimTop<Vboard>(true, o);
			/* the board's PLL locks and its reset counter runs out before it hears anything */
			for (int i = 0; i < BOARD_BOOT_CYCLES; i++)
				b->clock();
			h->b = b;
		} else if (o->uart) {
			h->b = new SimTop<Vvboard_uart>(true, o);
		} else {
			h->b = new SimTop<Vmmf_soc_core>(false, o);
		}
	} catch (const std::bad_alloc &) {
		delete h;
		mmfi_msg(err, err_len, "sim board: out of memory for the Verilator model");
		return MMF_ERR_NOMEM;
	}
	snprintf(h->name, sizeof(h->name), "%s%s", is_board ? "sim:" : o->uart ? "sim(uart)" : "sim",
		 is_board ? o->board : "");
	h->base.ops = &sim_ops;
	h->base.name = h->name;
	h->base.err = err;
	h->base.err_len = err_len;
	*out = &h->base;
	return MMF_OK;
}

/* ---- the URI: sim[:BOARD][?uart=1][&ina226=0|1&ina_shunt_uv=N&ina_bus_mv=N] ---------------------- */

static const char *const sim_keys[] = { "uart", "ina226", "ina_shunt_uv", "ina_bus_mv", NULL };

static int sim_uri_open(const struct mmfi_uri *u, mmfi_transport **out, unsigned *flags, char *err,
			size_t err_len)
{
	struct mmfi_sim_opts o = {};
	uint64_t uart = 0, ina = 1, shunt = MMFI_SIM_INA_SHUNT_UV, bus = MMFI_SIM_INA_BUS_MV;
	int r;

	/* the INA226's ranges: shunt 32767 x 2.5 uV, bus 32767 x 1.25 mV */
	if ((r = mmfi_uri_num(u, "uart", 0, 1, &uart, "a whole number", err, err_len)) ||
	    (r = mmfi_uri_num(u, "ina226", 0, 1, &ina, "a whole number", err, err_len)) ||
	    (r = mmfi_uri_num(u, "ina_shunt_uv", 0, 81917, &shunt, "a whole number", err, err_len)) ||
	    (r = mmfi_uri_num(u, "ina_bus_mv", 0, 40958, &bus, "a whole number", err, err_len)))
		return r;
	o.uart = (int)uart;
	o.board = u->arg;
	o.ina_set = mmfi_uri_opt(u, "ina_shunt_uv") || mmfi_uri_opt(u, "ina_bus_mv");
	o.ina_absent = !ina;
	o.ina_shunt_uv = (uint32_t)shunt;
	o.ina_bus_mv = (uint32_t)bus;
	/* the fast mode skips the link INFO names: its bytes go straight into the packet layer */
	*flags = MMF_BOARD_SIMULATED | (!u->arg[0] && !o.uart ? MMF_BOARD_NO_LINE : 0);
	return mmfi_sim_open(&o, out, err, err_len);
}

/* The simulated clock runs slower than the wall's but the waits are on it: the usual default (give
 * `sim` a short timeout_ms, see above); one command at a time. */
extern "C" const struct mmfi_board_kind mmfi_board_sim = { "sim", sim_keys, MMFI_TIMEOUT_MS, 1,
							    sim_uri_open };
