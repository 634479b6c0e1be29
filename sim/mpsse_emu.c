/*
 * mpsse_emu.c: the MPSSE engine of an emulated FTDI chip (see mpsse_emu.h). Commands follow FTDI
 * AN_108 ("Command Processor for MPSSE and MCU Host Bus Emulation Modes"):
 *
 *   0x80 v d / 0x82 v d   set ADBUS / ACBUS levels and directions     0x81 / 0x83  read them
 *   0x84 / 0x85           loopback on / off                           0x86 lo hi   clock divisor
 *   0x87                  send the read bytes now                     0x8A / 0x8B  divide-by-5 off / on
 *   0x8C / 0x8D           3-phase clocking on / off                   0x96 / 0x97  adaptive on / off
 *   0x9E lo hi            drive-zero pins (FT232H): accepted
 *   0x10..0x3F, byte mode (bit 1 clear), bit 4 = write DO, bit 5 = read DI, bit 0 = DO changes on
 *         the falling edge, bit 2 = DI sampled on the falling edge, bit 3 = LSB first; then the
 *         length - 1 (two bytes, low first) and, when writing, the bytes: 0x11 writes, 0x20 reads,
 *         0x31 both, in SPI mode 0 (DO out on the falling edge, DI in on the rising one)
 *   0x12..0x3F with bit 1 set: the same in bit mode: the length - 1 in bits (one byte), then the
 *         data byte when writing; a read gives one byte, the bits shifted in from the right
 *   0x8E n / 0x8F lo hi   clock n + 1 bits / (n + 1) x 8 bits with no data (SCK only: iceprog's
 *         dummy clocks after an SRAM bitstream)
 *   anything else: answered 0xFA and the command byte, as the chip answers a bad command (the TMS
 *         commands too: not modelled, noted)
 *
 * SCK = master / (2 (1 + divisor)), the master clock being 60 MHz, or 12 MHz with divide-by-5 on; the
 * half periods are counted in the board's core cycles, the fraction carried over, so 10 MHz SCK at
 * 48 MHz is 2.4 cycles a half period: 2 and 3 in turn, as an unrelated clock's edges fall. A command
 * that clocks nothing takes half an SCK period of board time (an assumption: AN_108 gives no figure).
 * SCK idles low; DO keeps its last level between bytes.
 *
 * With a `port` callback (a configuration port: the FT2232H's channel A on a flash, CRESET_B and CDONE)
 * every ADBUS level goes to the board and the board's levels come back: DI and the inputs 0x81 reads.
 * On the link (the `xfer` callback), what a board would not like is noted once: the flash's select (ADBUS4) low while the FPGA is
 * clocked (the flash would answer too: its bytes are mixed into DI), SCK set to idle high, CRESET
 * (ADBUS7) driven low (the FPGA is held in reset: nothing reaches it), SCK faster than a quarter of
 * the board's clock, the wrong edges for mode 0, 3-phase or adaptive clocking, LSB first.
 */
#include <stdio.h>
#include <string.h>

#include "mpsse_emu.h"

/* The low byte's pins (ADBUS). */
enum {
	PIN_SCK = 0x01, PIN_DO = 0x02, PIN_DI = 0x04, PIN_CS = 0x08, PIN_FLASH_CS = 0x10,
	PIN_CRESET = 0x80,
};

/* Opcode bits of a data clocking command (AN_108 3.2). */
enum {
	OP_OUT_NEG = 0x01, OP_BITS = 0x02, OP_IN_NEG = 0x04, OP_LSB = 0x08, OP_OUT = 0x10, OP_IN = 0x20,
	BAD_COMMAND = 0xFA,
};

/* Notes given once each. */
enum {
	N_FLASH = 1 << 0, N_IDLE_HIGH = 1 << 1, N_CRESET = 1 << 2, N_FAST = 1 << 3, N_EDGES = 1 << 4,
	N_3PHASE = 1 << 5, N_ADAPTIVE = 1 << 6, N_LSB = 1 << 7, N_BAD = 1 << 8, N_NOCS = 1 << 9,
};

void mpsse_reset(struct mpsse *m)
{
	memset(m, 0, sizeof(*m));
	m->div5 = 1;
}

static void say(struct mpsse *m, unsigned bit, void (*note)(const char *), const char *msg)
{
	if (!(m->noted & bit) && note)
		note(msg);
	m->noted |= bit;
}

/* Core cycles of the next SCK half period. */
static uint32_t half(struct mpsse *m, const struct mpsse_pins *p)
{
	uint64_t master = m->div5 ? 12000000u : 60000000u;
	uint32_t c;

	m->acc += (uint64_t)p->clock_hz * (m->div + 1u);
	c = (uint32_t)(m->acc / master);
	m->acc -= (uint64_t)c * master;
	return c;
}

static int cs_n(const struct mpsse *m)
{
	/* an input pin is pulled up (on the UPduino the select wire meets the red LED's pull-up) */
	return (m->lo_dir & PIN_CS) ? !!(m->lo_val & PIN_CS) : 1;
}

static int in_reset(const struct mpsse *m)
{
	return (m->lo_dir & PIN_CRESET) && !(m->lo_val & PIN_CRESET);
}

/* Every ADBUS level with SCK and DO as given: outputs as driven, inputs pulled up. */
static uint8_t adbus(const struct mpsse *m, int sck, int mosi)
{
	uint8_t v = (uint8_t)((m->lo_val & ~(PIN_SCK | PIN_DO)) | (sck ? PIN_SCK : 0) | (mosi ? PIN_DO : 0));

	return (uint8_t)((v & m->lo_dir) | ~m->lo_dir);
}

/* Drive the pins for `cycles`; MISO as it was when they changed. */
static int pins(struct mpsse *m, const struct mpsse_pins *p, int sck, int mosi, uint32_t cycles)
{
	int miso;

	if (p->port)
		return !!(p->port(p->ctx, adbus(m, sck, mosi), cycles) & PIN_DI);
	if (!p->xfer)
		return 1;
	if (in_reset(m))        /* the FPGA is held in reset: its pins float, nothing is clocked */
		return p->xfer(p->ctx, 0, 1, 0, cycles) | 1;
	miso = p->xfer(p->ctx, sck, cs_n(m), mosi, cycles);
	return miso;
}

/* Clock `nbits` bits of a byte (8 for a byte command; mode 0 as SCK idles low): returns what was read
 * from DI (a byte command's byte; in bit mode the bits shifted in from the right). */
static uint8_t clock_bits(struct mpsse *m, const struct mpsse_pins *p, uint8_t op, uint8_t out,
			  int nbits, uint32_t *lfsr)
{
	int do_out = !!(op & OP_OUT), out_neg = !!(op & OP_OUT_NEG), in_neg = !!(op & OP_IN_NEG);
	int lsb = !!(op & OP_LSB), flash = !p->port && (m->lo_dir & PIN_FLASH_CS) && !(m->lo_val & PIN_FLASH_CS);
	uint8_t in = 0;
	int k, rise, fall = 1, prev_rise = 1;

	if (nbits < 8) {
		/* bit mode: the bits one by one, MSB first, each read shifted in from the right */
		for (k = 0; k < nbits; k++) {
			int bit = lsb ? (out >> k) & 1 : (out >> (7 - k)) & 1;
			if (do_out)
				m->mosi = bit;
			pins(m, p, 0, m->mosi, half(m, p));
			rise = pins(m, p, 1, m->mosi, half(m, p));
			fall = pins(m, p, 0, m->mosi, 0);
			in = (uint8_t)(in << 1 | (in_neg ? fall : rise));
		}
		m->clocked++;
		return in;
	}
	for (k = 0; k < 8; k++) {
		int bit = lsb ? (out >> k) & 1 : (out >> (7 - k)) & 1;
		/* low half: DO changes here when it changes on the falling edge; the call's return is the
		 * falling edge that ended the previous bit */
		if (do_out && out_neg)
			m->mosi = bit;
		fall = pins(m, p, 0, m->mosi, half(m, p));
		if (k > 0) {
			int b = in_neg ? fall : prev_rise;
			in = (uint8_t)(lsb ? in | b << (k - 1) : in | b << (8 - k));
		}
		/* the rising edge: DO changes here when it changes on the rising edge */
		if (do_out && !out_neg)
			m->mosi = bit;
		rise = pins(m, p, 1, m->mosi, half(m, p));
		prev_rise = rise;
	}
	/* the last falling edge */
	fall = pins(m, p, 0, m->mosi, 0);
	in = (uint8_t)(lsb ? in | (in_neg ? fall : prev_rise) << 7 : in | (in_neg ? fall : prev_rise));
	if (m->loopback)
		in = out;
	if (flash) {
		/* the flash drives DO against the FPGA: what the host reads is neither's byte */
		*lfsr = *lfsr * 1103515245u + 12345u;
		in &= (uint8_t)(*lfsr >> 16);
	}
	m->clocked++;
	return in;
}

/* Notes about the way a clocking command will go. */
static void check_clocking(struct mpsse *m, const struct mpsse_pins *p, uint8_t op, void (*note)(const char *))
{
	char msg[256];
	uint64_t master = m->div5 ? 12000000u : 60000000u;
	uint64_t sck = master / (2u * (m->div + 1u));

	if (!p->xfer || p->port)
		goto edges;
	if ((m->lo_dir & PIN_FLASH_CS) && !(m->lo_val & PIN_FLASH_CS))
		say(m, N_FLASH, note, "MPSSE: the flash's select (ADBUS4) is low while bytes are clocked: "
		    "the flash takes them as commands and drives DI too (keep ADBUS4 high)");
	if (m->lo_val & PIN_SCK)
		say(m, N_IDLE_HIGH, note, "MPSSE: SCK (ADBUS0) is set to idle high; the board's slave is "
		    "mode 0 (SCK idles low)");
	if (in_reset(m))
		say(m, N_CRESET, note, "MPSSE: CRESET (ADBUS7) is driven low: the FPGA is held in reset "
		    "and answers nothing");
	if (cs_n(m))
		say(m, N_NOCS, note, "MPSSE: bytes clocked with the FPGA's select (ADBUS3) high: the "
		    "board ignores them");
	if (sck * 4 > p->clock_hz) {
		snprintf(msg, sizeof(msg), "MPSSE: SCK %llu Hz (divisor %u%s) is faster than the board's "
			 "SPI slave takes (a quarter of its %u Hz clock): bits will be lost",
			 (unsigned long long)sck, m->div, m->div5 ? ", divide-by-5" : "", p->clock_hz);
		say(m, N_FAST, note, msg);
	}
edges:
	if (!p->xfer && !p->port)
		return;
	if (((op & OP_OUT) && !(op & OP_OUT_NEG)) || ((op & OP_IN) && (op & OP_IN_NEG))) {
		snprintf(msg, sizeof(msg), "MPSSE: command 0x%02x clocks %s; the board is SPI mode 0 (DO out "
			 "on the falling edge, DI in on the rising one: 0x11, 0x20, 0x31)", op,
			 (op & OP_OUT) && !(op & OP_OUT_NEG) ? "DO out on the rising edge" :
			 "DI in on the falling edge");
		say(m, N_EDGES, note, msg);
	}
	if (op & OP_LSB)
		say(m, N_LSB, note, "MPSSE: LSB first; the board's SPI is MSB first");
	if (m->three_phase)
		say(m, N_3PHASE, note, "MPSSE: 3-phase clocking is on (0x8C): not modelled, clocked as 2-phase");
	if (m->adaptive)
		say(m, N_ADAPTIVE, note, "MPSSE: adaptive clocking is on (0x96): not modelled (RTCK is not wired)");
}

size_t mpsse_run(struct mpsse *m, const struct mpsse_pins *p, const uint8_t *in, size_t n,
		 uint8_t *out, size_t out_room, size_t *out_n, size_t max_data, void (*note)(const char *))
{
	static uint32_t lfsr = 1;
	size_t i = 0, o = 0, data = 0;
	char msg[160];

	while (i < n) {
		uint8_t op = in[i];
		if (m->op == 0x8F) {
			/* dummy clocks: no data bytes to wait for */
			if (data == max_data)
				break;
			clock_bits(m, p, 0, 0, 8, &lfsr);
			data++;
			if (--m->op_left == 0)
				m->op = 0;
			continue;
		}
		if (m->op) {
			/* a clocking command's data, as it comes and as there is room for what it reads */
			if (data == max_data || ((m->op & OP_IN) && o == out_room))
				break;
			if (m->op & OP_OUT) {
				uint8_t r = clock_bits(m, p, m->op, in[i], 8, &lfsr);
				i++;
				if (m->op & OP_IN)
					out[o++] = r;
			} else {
				out[o++] = clock_bits(m, p, m->op, 0, 8, &lfsr);
			}
			data++;
			if (--m->op_left == 0)
				m->op = 0;
			continue;
		}
		if (op < 0x40 && !(op & OP_BITS) && (op & (OP_IN | OP_OUT))) {
			if (n - i < 3)
				break;
			m->op = op;
			m->op_left = (uint32_t)(in[i + 1] | in[i + 2] << 8) + 1u;
			i += 3;
			check_clocking(m, p, op, note);
			continue;
		}
		if (op < 0x40 && (op & OP_BITS) && (op & (OP_IN | OP_OUT))) {
			/* bit mode: op, bits - 1, and the data byte when writing; a read gives one byte */
			size_t need = (op & OP_OUT) ? 3 : 2;
			if (n - i < need || ((op & OP_IN) && o == out_room))
				break;
			check_clocking(m, p, op, note);
			{
				uint8_t r = clock_bits(m, p, op, (op & OP_OUT) ? in[i + 2] : 0, (in[i + 1] & 7) + 1,
						       &lfsr);
				if (op & OP_IN)
					out[o++] = r;
			}
			i += need;
			continue;
		}
		if (op == 0x8E) {
			/* n + 1 bits of SCK with no data */
			if (n - i < 2)
				break;
			clock_bits(m, p, 0, 0, (in[i + 1] & 7) + 1, &lfsr);
			i += 2;
			continue;
		}
		if (op == 0x8F) {
			/* (n + 1) x 8 bits of SCK with no data, clocked as the data of a command */
			if (n - i < 3)
				break;
			m->op = op;
			m->op_left = (uint32_t)(in[i + 1] | in[i + 2] << 8) + 1u;
			i += 3;
			continue;
		}
		switch (op) {
		case 0x80:
		case 0x82:
		case 0x86:
		case 0x9E:
			if (n - i < 3)
				goto out;
			if (op == 0x80) {
				m->lo_val = in[i + 1];
				m->lo_dir = in[i + 2];
				m->mosi = !!(m->lo_val & PIN_DO);
			} else if (op == 0x82) {
				m->hi_val = in[i + 1];
				m->hi_dir = in[i + 2];
			} else if (op == 0x86) {
				m->div = (uint16_t)(in[i + 1] | in[i + 2] << 8);
			}
			i += 3;
			break;
		case 0x81:
		case 0x83:
			if (o == out_room)
				goto out;
			/* the levels: outputs as set, DI as the board drives it, other inputs pulled up */
			if (op == 0x83)
				out[o++] = (uint8_t)(m->hi_val | ~m->hi_dir);
			else if (p->port)
				out[o++] = (uint8_t)((m->lo_val & m->lo_dir) |
						     (~m->lo_dir & p->port(p->ctx, adbus(m, 0, m->mosi), 0)));
			else
				out[o++] = (uint8_t)((m->lo_val & m->lo_dir) | (~m->lo_dir & ~PIN_DI) |
						     (pins(m, p, 0, m->mosi, 0) ? PIN_DI : 0));
			i++;
			break;
		case 0x84: m->loopback = 1; i++; break;
		case 0x85: m->loopback = 0; i++; break;
		case 0x87: m->flush = 1; i++; break;
		case 0x8A: m->div5 = 0; i++; break;
		case 0x8B: m->div5 = 1; i++; break;
		case 0x8C: m->three_phase = 1; i++; break;
		case 0x8D: m->three_phase = 0; i++; break;
		case 0x96: m->adaptive = 1; i++; break;
		case 0x97: m->adaptive = 0; i++; break;
		default:
			if (out_room - o < 2)
				goto out;
			out[o++] = BAD_COMMAND;
			out[o++] = op;
			m->bad++;
			/* 0xAA and 0xAB are the bad commands hosts send on purpose to sync (AN_135) */
			snprintf(msg, sizeof(msg), "MPSSE: command 0x%02x answered 0xFA (bad command, or one "
				 "this emulation does not model)", op);
			if (op != 0xAA && op != 0xAB)
				say(m, N_BAD, note, msg);
			i++;
			continue;
		}
		/* a command that clocks nothing: half an SCK period, the pins as set */
		pins(m, p, 0, m->mosi, half(m, p));
	}
out:
	*out_n = o;
	return i;
}
