/*
 * transport_faults.h: the fault injector (transport_faults.c), a transport around any other that
 * damages bytes both ways at a given rate. Every board kind takes its URI options faults=RATE and
 * seed=S; the virtual board programs open it directly.
 */
#ifndef MMFI_TRANSPORT_FAULTS_H
#define MMFI_TRANSPORT_FAULTS_H

#include "uri.h"

struct mmfi_fault_opts {
	double rate;                /* probability per byte, each direction, of a fault */
	uint64_t seed;              /* the faults repeat with the seed */
};

/* The URI keys the injector reads (faults, seed), NULL-terminated: options of every board. */
extern const char *const mmfi_faults_keys[];

/* Wrap `inner` (taking ownership) in a fault injector. */
int mmfi_faults_open(mmfi_transport *inner, const struct mmfi_fault_opts *o, mmfi_transport **out,
		     char *err, size_t err_len);
/* Read faults= and seed= from u into *o (seed 1 if not given); *on = 1 if faults= was given.
 * MMF_ERR_ARG naming a bad value. */
int mmfi_faults_uri(const struct mmfi_uri *u, struct mmfi_fault_opts *o, int *on, char *err,
		    size_t err_len);

#endif
