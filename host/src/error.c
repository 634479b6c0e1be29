/*
 * error.c: names for the library's numbers (errors, engines, formats, boards, links, counters) and the
 * message buffer helper.
 */
#include <stdarg.h>
#include <stdio.h>

#include "mmf_engines.h"
#include "mmfree.h"
#include "transport.h"

const char *mmf_error_name(int err)
{
	switch (err) {
	case MMF_OK: return "MMF_OK";
	case MMF_ERR_IO: return "MMF_ERR_IO";
	case MMF_ERR_TIMEOUT: return "MMF_ERR_TIMEOUT";
	case MMF_ERR_PROTOCOL: return "MMF_ERR_PROTOCOL";
	case MMF_ERR_DEVICE: return "MMF_ERR_DEVICE";
	case MMF_ERR_ARG: return "MMF_ERR_ARG";
	case MMF_ERR_NO_BOARD: return "MMF_ERR_NO_BOARD";
	case MMF_ERR_VERSION: return "MMF_ERR_VERSION";
	case MMF_ERR_NOMEM: return "MMF_ERR_NOMEM";
	case MMF_ERR_UNSUPPORTED: return "MMF_ERR_UNSUPPORTED";
	}
	return "MMF_ERR_UNKNOWN";
}

/* A name from a table, "?" past its end. */
static const char *pick(const char *const *names, unsigned n, unsigned i)
{
	return i < n ? names[i] : "?";
}

const char *mmf_engine_name(unsigned id)
{
	return pick(mmf_engine_kinds, MMF_N_ENGINE_KINDS, id);
}

const char *mmf_format_name(unsigned format)
{
	return format < MMF_N_FORMATS ? mmf_fmts[format].name : "?";
}

const char *mmf_board_name(unsigned board_id)
{
	static const char *const n[] = { "sim", "icebreaker", "upduino3", "hx8k-evn" };
	return pick(n, 4, board_id);
}

const char *mmf_link_name(unsigned link)
{
	static const char *const n[] = { "uart", "spi", "fifo" };
	return pick(n, 3, link);
}

const char *mmf_counter_name(unsigned index)
{
	static const char *const n[MMF_NUM_COUNTERS] = {
		"cycles", "busy0", "busy1", "busy2", "macs_lo", "macs_hi",
		"bytes_in", "bytes_out", "crc_errors", "naks", "executed", "repeats",
	};
	return pick(n, MMF_NUM_COUNTERS, index);
}

void mmfi_msg(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
