/*
 * ft245_chip.h: the FT2232H's side of the 245 synchronous FIFO bus (one channel in bit mode 0x40), for
 * the testbenches of rtl/mmf_ft245_sync.v: a queue of host bytes it presents to the FPGA, a queue of
 * the FPGA's bytes it has taken for the host, RXF# and TXE# with random stalls (the chip's USB
 * buffers running dry or full at any edge), and a check of the FPGA's side of the protocol.
 *
 * Driving it, once per rising CLKOUT edge: read the FPGA's pins as they are just before the edge and
 * give them to mmf_ft245_chip_edge() (what crosses at this edge, the chip's next RXF# and TXE#); clock
 * the FPGA; put the chip's RXF#, TXE# on its inputs, and once the FPGA's OE# has settled, D from
 * mmf_ft245_chip_bus() (the chip's byte while OE# is low, else whatever the FPGA drives, else noise).
 */
#ifndef MMF_FT245_CHIP_H
#define MMF_FT245_CHIP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	MMF_FT245_RING = 1 << 16,   /* bytes each queue holds (the real chip has 4 KiB each way) */
};

/* The protocol rules the FPGA can break, counted one by one. */
enum mmf_ft245_rule {
	MMF_FT245_RD_NO_OE = 0,     /* RD# low without OE# low in this cycle and the one before */
	MMF_FT245_BOTH_DRIVE,       /* the FPGA drives D while OE# is low (the chip drives it too) */
	MMF_FT245_NO_TURNAROUND,    /* the FPGA drives D in the cycle right after OE# was low */
	MMF_FT245_WR_OE,            /* WR# low while OE# is low */
	MMF_FT245_WR_UNDRIVEN,      /* WR# low with D not driven: the chip takes noise */
	MMF_FT245_RD_WR,            /* RD# and WR# low together */
	MMF_FT245_SIWU_HELD,        /* SIWU# low at two edges in a row (a strobe is one cycle) */
	MMF_FT245_N_RULES
};

/* The FPGA's pins, as they are just before a rising edge. */
typedef struct {
	int oe_n;                   /* OE#: low, the chip drives D */
	int rd_n;                   /* RD#: low, take a byte at each edge with RXF# low */
	int wr_n;                   /* WR#: low, give a byte at each edge with TXE# low */
	int siwu_n;                 /* SIWU#: low at an edge, send what the chip holds for the host
				     * now (a short packet, not at the latency timer) */
	int data_oe;                /* the FPGA drives D */
	uint8_t data;               /* what it drives */
} mmf_ft245_pins_t;

typedef struct {
	/* host -> FPGA */
	uint8_t to_fpga[MMF_FT245_RING];    /* ring of host bytes not yet taken by the FPGA */
	uint32_t to_head, to_n;             /* first byte, count */
	/* FPGA -> host */
	uint8_t to_host[MMF_FT245_RING];    /* ring of bytes the FPGA gave, not yet read by the host */
	uint32_t th_head, th_n;             /* first byte, count */
	uint32_t th_cap;                    /* TXE# high once th_n reaches this (at most MMF_FT245_RING):
					     * an emulated chip sets it to the room in its USB buffer */
	/* the chip's outputs until the next edge */
	int rxf_n;                          /* RXF#: low, a byte is on offer */
	int txe_n;                          /* TXE#: low, room for a byte */
	/* stalls */
	uint32_t stall_pct;                 /* chance per edge (percent) that a stall begins, each way */
	uint32_t stall_max;                 /* longest stall, edges */
	uint32_t rx_stall, tx_stall;        /* edges left in the current stalls (RXF#, TXE# high) */
	uint64_t rng;                       /* xorshift64 state, seeded */
	/* send immediate */
	int send_now;                       /* SIWU# strobed: the USB side sends what it holds (an
					     * emulated chip clears it once it has) */
	uint64_t siwu_strobes;              /* edges with SIWU# low */
	uint64_t siwu_empty;                /* ... with no byte written since the strobe before */
	uint64_t written_at_siwu;           /* written_bytes at the last strobe */
	uint64_t last_write_edge;           /* the edge the last byte was written at (0: none) */
	uint64_t last_siwu_edge;            /* the edge of the last strobe (0: none) */
	/* protocol check */
	int prev_oe_n;                      /* OE# in the cycle before this one */
	int prev_siwu_n;                    /* SIWU# at the edge before this one */
	uint64_t violations[MMF_FT245_N_RULES]; /* times each rule was broken */
	/* counts */
	uint64_t edges;                     /* rising edges seen */
	uint64_t read_bytes;                /* bytes the FPGA took */
	uint64_t written_bytes;             /* bytes the FPGA gave */
} mmf_ft245_chip_t;

/* A chip with empty queues, no stalls, the bus idle; seed != 0 seeds the stalls and the noise. */
void mmf_ft245_chip_init(mmf_ft245_chip_t *c, uint64_t seed);

/* Stalls from now on: each edge starts one with chance pct percent (0: never), 1..max edges long. */
void mmf_ft245_chip_stalls(mmf_ft245_chip_t *c, uint32_t pct, uint32_t max);

/* The host's side: queue a byte for the FPGA (-1: queue full), take one the FPGA gave (-1: none). */
int mmf_ft245_chip_host_write(mmf_ft245_chip_t *c, uint8_t b);
int mmf_ft245_chip_host_read(mmf_ft245_chip_t *c, uint8_t *b);

/* A rising CLKOUT edge, with the FPGA's pins as they were just before it: checks the rules, moves
 * the bytes that cross at this edge, and sets rxf_n and txe_n for the next cycle. */
void mmf_ft245_chip_edge(mmf_ft245_chip_t *c, const mmf_ft245_pins_t *p);

/* The level on D in this cycle, given the FPGA's pins in it: the chip's head byte while OE# is low
 * (noise when it has none on offer), else what the FPGA drives, else noise. */
uint8_t mmf_ft245_chip_bus(mmf_ft245_chip_t *c, const mmf_ft245_pins_t *p);

/* All rules broken so far, and one rule's name. */
uint64_t mmf_ft245_chip_violations(const mmf_ft245_chip_t *c);
const char *mmf_ft245_rule_name(int rule);

#ifdef __cplusplus
}
#endif

#endif
