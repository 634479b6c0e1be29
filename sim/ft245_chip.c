/*
 * ft245_chip.c: the FT2232H's side of the 245 synchronous FIFO bus, for the testbenches (see
 * ft245_chip.h). The FT2232H datasheet's rules as the chip would see them: RXF# low offers a byte,
 * D carries it while OE# is low, and it is taken at a rising edge where RXF# and RD# are both low;
 * TXE# low means room, and D is taken at a rising edge where TXE# and WR# are both low. SIWU# low
 * at an edge asks for what the chip holds for the host to be sent now (send_now, for the emulated
 * chip's USB side).
 */
#include "ft245_chip.h"

static const char *const rule_names[MMF_FT245_N_RULES] = {
	"RD# low without OE# low the cycle before",
	"D driven by both sides",
	"D driven right after OE# was low (no turnaround)",
	"WR# low while OE# low",
	"WR# low with D not driven",
	"RD# and WR# low together",
	"SIWU# low at two edges in a row",
};

static uint64_t rnd(mmf_ft245_chip_t *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

void mmf_ft245_chip_init(mmf_ft245_chip_t *c, uint64_t seed)
{
	int i;

	c->to_head = c->to_n = 0;
	c->th_head = c->th_n = 0;
	c->th_cap = MMF_FT245_RING;
	c->rxf_n = 1;
	c->txe_n = 0;
	c->stall_pct = 0;
	c->stall_max = 1;
	c->rx_stall = c->tx_stall = 0;
	c->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
	c->prev_oe_n = 1;
	c->prev_siwu_n = 1;
	c->send_now = 0;
	c->siwu_strobes = c->siwu_empty = c->written_at_siwu = 0;
	c->last_write_edge = c->last_siwu_edge = 0;
	for (i = 0; i < MMF_FT245_N_RULES; i++)
		c->violations[i] = 0;
	c->edges = c->read_bytes = c->written_bytes = 0;
}

void mmf_ft245_chip_stalls(mmf_ft245_chip_t *c, uint32_t pct, uint32_t max)
{
	c->stall_pct = pct;
	c->stall_max = max ? max : 1;
}

int mmf_ft245_chip_host_write(mmf_ft245_chip_t *c, uint8_t b)
{
	if (c->to_n == MMF_FT245_RING)
		return -1;
	c->to_fpga[(c->to_head + c->to_n) % MMF_FT245_RING] = b;
	c->to_n++;
	return 0;
}

int mmf_ft245_chip_host_read(mmf_ft245_chip_t *c, uint8_t *b)
{
	if (c->th_n == 0)
		return -1;
	*b = c->to_host[c->th_head];
	c->th_head = (c->th_head + 1) % MMF_FT245_RING;
	c->th_n--;
	return 0;
}

/* One stall counter: counts down, or begins a new stall with chance stall_pct. */
static uint32_t stall_step(mmf_ft245_chip_t *c, uint32_t left)
{
	if (left > 0)
		return left - 1;
	if (c->stall_pct && rnd(c) % 100 < c->stall_pct)
		return 1 + (uint32_t)(rnd(c) % c->stall_max);
	return 0;
}

void mmf_ft245_chip_edge(mmf_ft245_chip_t *c, const mmf_ft245_pins_t *p)
{
	c->edges++;
	/* the rules, for the cycle that ends at this edge */
	if (!p->rd_n && (p->oe_n || c->prev_oe_n))
		c->violations[MMF_FT245_RD_NO_OE]++;
	if (p->data_oe && !p->oe_n)
		c->violations[MMF_FT245_BOTH_DRIVE]++;
	if (p->data_oe && !c->prev_oe_n)
		c->violations[MMF_FT245_NO_TURNAROUND]++;
	if (!p->wr_n && !p->oe_n)
		c->violations[MMF_FT245_WR_OE]++;
	if (!p->wr_n && !p->data_oe)
		c->violations[MMF_FT245_WR_UNDRIVEN]++;
	if (!p->rd_n && !p->wr_n)
		c->violations[MMF_FT245_RD_WR]++;
	if (!p->siwu_n && !c->prev_siwu_n)
		c->violations[MMF_FT245_SIWU_HELD]++;
	c->prev_oe_n = p->oe_n;
	c->prev_siwu_n = p->siwu_n;

	/* what crosses at this edge (RXF# low implies a byte on offer) */
	if (!c->rxf_n && !p->rd_n) {
		c->to_head = (c->to_head + 1) % MMF_FT245_RING;
		c->to_n--;
		c->read_bytes++;
	}
	if (!c->txe_n && !p->wr_n) {
		c->to_host[(c->th_head + c->th_n) % MMF_FT245_RING] = p->data;
		c->th_n++;
		c->written_bytes++;
		c->last_write_edge = c->edges;
	}
	/* a strobe at the same edge as a byte sends that byte too */
	if (!p->siwu_n) {
		c->siwu_strobes++;
		if (c->written_bytes == c->written_at_siwu)
			c->siwu_empty++;
		c->written_at_siwu = c->written_bytes;
		c->last_siwu_edge = c->edges;
		c->send_now = 1;
	}

	/* the flags for the next cycle: RXF# low while a byte waits, TXE# low while there is room,
	 * unless the USB side stalls that way */
	c->rx_stall = stall_step(c, c->rx_stall);
	c->tx_stall = stall_step(c, c->tx_stall);
	c->rxf_n = !(c->to_n > 0 && c->rx_stall == 0);
	c->txe_n = !(c->th_n < c->th_cap && c->th_n < MMF_FT245_RING && c->tx_stall == 0);
}

uint8_t mmf_ft245_chip_bus(mmf_ft245_chip_t *c, const mmf_ft245_pins_t *p)
{
	if (!p->oe_n)
		return !c->rxf_n ? c->to_fpga[c->to_head] : (uint8_t)rnd(c);
	if (p->data_oe)
		return p->data;
	return (uint8_t)rnd(c);
}

uint64_t mmf_ft245_chip_violations(const mmf_ft245_chip_t *c)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < MMF_FT245_N_RULES; i++)
		n += c->violations[i];
	return n;
}

const char *mmf_ft245_rule_name(int rule)
{
	return rule >= 0 && rule < MMF_FT245_N_RULES ? rule_names[rule] : "unknown rule";
}
