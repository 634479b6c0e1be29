/*
 * transport_cpu.h: the `cpu` board (transport_cpu.c), the hls_c device model in-process, opened with its
 * options as a struct (tests build one directly; a URI opens it through mmfi_board_cpu, uri.h).
 */
#ifndef MMFI_TRANSPORT_CPU_H
#define MMFI_TRANSPORT_CPU_H

#include "transport.h"

/* cpu?dead_after=N&dead_for=M&wmem=N&engines=F[,F...] */
struct mmfi_cpu_opts {
	uint64_t dead_after;        /* the link is cut after this many bytes from the host; 0: never */
	uint64_t dead_for;          /* ... and comes back after this many more; 0: never */
	uint32_t wmem_words;        /* weight memory words; 0: MMF_WMEM_WORDS (the UP5K's SPRAM) */
	uint8_t n_formats;          /* engine slots named by engines=; 0: tac5, sac4, lut3 */
	uint8_t formats[3];         /* their weight formats (MMF_FMT_*), one engine of each kind */
};

int mmfi_cpu_open(const struct mmfi_cpu_opts *o, mmfi_transport **out, char *err, size_t err_len);

#endif
