/*
 * fuzz_args.h: the command line of a libFuzzer target, before libFuzzer reads it. libFuzzer's own
 * flags are one dash (-runs=1, -help=1) and it passes over any that start with two; so --help or -h
 * prints the usage here and exits 0, and any other option starting with "--" is refused (exit 2)
 * rather than ignored. Include it in one file of each target (it defines LLVMFuzzerInitialize).
 */
#ifndef MMF_TESTS_FUZZ_ARGS_H
#define MMF_TESTS_FUZZ_ARGS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *prog = strrchr((*argv)[0], '/') ? strrchr((*argv)[0], '/') + 1 : (*argv)[0];
	int i;

	for (i = 1; i < *argc; i++) {
		const char *a = (*argv)[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s [-FLAG=VALUE]... [CORPUS_DIR | INPUT_FILE]...\n"
			       "A libFuzzer target: runs the inputs given, or fuzzes with the corpus directories\n"
			       "(tests/fuzz/corpus/%s; docs/fuzzing.md). -help=1 lists libFuzzer's flags.\n",
			       prog, strncmp(prog, "fuzz_", 5) ? prog : prog + 5);
			exit(0);
		}
		if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "%s: unknown option '%s' (libFuzzer's flags take one dash; see --help)\n",
				prog, a);
			exit(2);
		}
	}
	return 0;
}

#endif
