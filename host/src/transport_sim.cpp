/*
 * transport_sim.cpp: the `sim` board, the SoC's RTL under Verilator in-process: the same bytes the
 * host sends to a real board go into rtl/mmf_soc_core.v (fast mode: a byte every 8 cycles, straight
 * into the packet layer) or, with `uart=1`, into sim/vboard_uart.v (line bits at 4 cycles per bit
 * through the SoC's own UART, so link-bound figures are those of a 12 Mbaud board at 48 MHz).
 *
 * The transport's clock is simulated time: a wait of timeout_ms simulates that many milliseconds of
 * the 48 MHz core (about 3 s of wall time per 100 ms), so give `sim` a short timeout_ms (5 is safe:
 * the longest command, a RUN over the whole weight memory, takes under 1 ms).
 */
#include <cstdlib>
#include <deque>
#include <memory>
#include <new>

#include "Vmmf_soc_core.h"
#include "Vvboard_uart.h"
#include "verilated.h"

extern "C" {
#include "mmfree.h"
#include "transport.h"
}

namespace {

const uint64_t SIM_CLOCK_HZ = 48000000;
const uint32_t FAST_BYTE_CYCLES = 8;

/* One simulated board: the Verilated top and the bytes in flight both ways. */
struct SimBoard {
	std::unique_ptr<VerilatedContext> ctx; /* Verilator's simulation context */
	std::deque<uint8_t> to_board;         /* host bytes not yet taken by the board */
	std::deque<uint8_t> to_host;          /* board bytes not yet read by the host */
	uint64_t cycles = 0;                  /* simulated core cycles */
	uint32_t gap = 0;                     /* fast mode: cycles since the last byte went in */
	virtual ~SimBoard() {}
	virtual void step() = 0;              /* one clock cycle, moving bytes both ways */
};

template <class V> struct SimTop : SimBoard {
	std::unique_ptr<V> top;
	bool uart;

	SimTop(bool u) : uart(u)
	{
		ctx.reset(new VerilatedContext);
		top.reset(new V(ctx.get()));
		top->i_clk = 0;
		top->i_reset = 1;
		top->i_rx_valid = 0;
		top->i_tx_ready = 1;
		top->eval();
		for (int i = 0; i < 4; i++)
			clock();
		top->i_reset = 0;
	}
	~SimTop() { top->final(); }

	void clock()
	{
		top->i_clk = 1;
		top->eval();
		top->i_clk = 0;
		top->eval();
		cycles++;
	}

	bool rx_ready();

	void step() override
	{
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

/* What the C side holds: the transport header first, then the board. */
struct SimHandle {
	mmfi_transport base;                  /* must be first */
	SimBoard *b;                          /* the simulated board */
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

const struct mmfi_transport_ops sim_ops = {sim_send, sim_recv, sim_close};

} // namespace

extern "C" int mmfi_sim_open(int uart, mmfi_transport **out, char *err, size_t err_len)
{
	SimHandle *h;
	try {
		h = new SimHandle();
		if (uart)
			h->b = new SimTop<Vvboard_uart>(true);
		else
			h->b = new SimTop<Vmmf_soc_core>(false);
	} catch (const std::bad_alloc &) {
		mmfi_msg(err, err_len, "sim board: out of memory for the Verilator model");
		return MMF_ERR_NOMEM;
	}
	h->base.ops = &sim_ops;
	h->base.name = uart ? "sim(uart)" : "sim";
	h->base.err = err;
	h->base.err_len = err_len;
	*out = &h->base;
	return MMF_OK;
}
