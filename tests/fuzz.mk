# tests/fuzz.mk: libFuzzer builds of the parsers that read untrusted files (tokenizer.json,
# safetensors, config.json); included by the top-level Makefile (which defines BIN and PROGRAMS).
#
#   $(BIN)/fuzz_tok, fuzz_safetensors, fuzz_config   clang, -fsanitize=fuzzer,address,undefined; each
#       compiles only the host/src files its parser needs (no libmmfree, so no Verilator)
#   make fuzz                 every target for FUZZ_TIME seconds (600 by default), one after another
#   tests/test_fuzz.sh        the short run of make test (FUZZ_SECONDS, 20 by default, per target)
#
# Inputs: tests/fuzz/corpus/<target>/ (seeds, committed; tests/fuzz/make_seeds.py writes them),
# tests/fuzz/<target>.dict, tests/fuzz/crashers/<target>/ (every input that ever crashed, replayed
# first on each run). docs/fuzzing.md says how to use them.

FUZZ_CC      ?= clang
FUZZ_TIME    ?= 600
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Wextra -Werror -Ihost/include -Ihost/src -Ihls_c
# error.c names engines and formats from the engine table (hls_c/mmf_engines.c and the models it
# dispatches to)
FUZZ_ERR_SRC         := host/src/error.c host/src/outfile.c hls_c/mmf_engines.c hls_c/tac.c hls_c/sac.c hls_c/lut.c
FUZZ_SRC_tok         := host/src/tok.c $(FUZZ_ERR_SRC)
FUZZ_SRC_safetensors := host/src/ckpt.c $(FUZZ_ERR_SRC)
FUZZ_SRC_config      := host/src/ckpt.c $(FUZZ_ERR_SRC)
FUZZ_TARGETS := tok safetensors config
FUZZ_BINS    := $(addprefix $(BIN)/fuzz_,$(FUZZ_TARGETS))

# $(1) = target name
define FUZZ_RULE
$(BIN)/fuzz_$(1): tests/fuzz_$(1).c tests/fuzz_args.h $(FUZZ_SRC_$(1)) $(wildcard host/src/*.h hls_c/*.h) host/include/mmfree.h
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $$< $(FUZZ_SRC_$(1)) -lcjson -lm -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

# three small compiles next to minutes of Verilator: part of `make programs`
PROGRAMS += $(FUZZ_BINS)

.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_TIME) bash tests/test_fuzz.sh $(FUZZ_TARGETS)
