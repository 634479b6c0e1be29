# host/host.mk: the host library (libmmfree), the mmfree CLI and the host tests; included by the
# top-level Makefile (which defines BUILD, BIN, CC, CFLAGS, HLS_SRC, HLS_HDR and PROGRAMS).
#
#   $(BUILD)/lib/libmmfree.a, libmmfree.so.1 (+ libmmfree.so), pkgconfig/mmfree.pc
#   $(BIN)/mmfree                   the CLI (linked statically against libmmfree.a)
#   $(BIN)/host_<name>              tests/host_<name>.c, run by tests/test_host.sh
#   make install PREFIX=... DESTDIR=...
#
# The library carries the hls_c objects it needs (the `cpu` board is the device model), compiled
# again with -fPIC under $(BUILD)/host/hls/, so both archives and the .so stand alone. Only the
# mmf_* names of mmfree.h are exported from the .so (-fvisibility=hidden, MMF_API).

PREFIX  ?= /usr/local
DESTDIR ?=
MMFREE_VERSION := $(shell sed -n 's/.*MMFREE_VERSION "\(.*\)"/\1/p' host/include/mmfree.h)

HOST_CLI_SRC := $(wildcard host/src/mmfree*.c)
HOST_SRC     := $(filter-out $(HOST_CLI_SRC),$(wildcard host/src/*.c))
HOST_HDR     := $(wildcard host/src/*.h) host/include/mmfree.h $(HLS_HDR)
HOST_OBJ     := $(patsubst host/src/%.c,$(BUILD)/host/%.o,$(HOST_SRC))
HOST_HLS_OBJ := $(patsubst hls_c/%.c,$(BUILD)/host/hls/%.o,$(HLS_SRC))
HOST_CFLAGS  := $(CFLAGS) -fPIC -fvisibility=hidden -DMMF_BUILDING -Ihost/include -Ihls_c
HOST_LIBS    := $(BUILD)/lib/libmmfree.a $(BUILD)/lib/libmmfree.so.1 $(BUILD)/lib/libmmfree.so \
	$(BUILD)/lib/pkgconfig/mmfree.pc

$(BUILD)/host/%.o: host/src/%.c $(HOST_HDR)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/host/hls/%.o: hls_c/%.c $(HLS_HDR)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/lib/libmmfree.a: $(HOST_OBJ) $(HOST_HLS_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/lib/libmmfree.so.1: $(HOST_OBJ) $(HOST_HLS_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libmmfree.so.1 $^ -lz -o $@

$(BUILD)/lib/libmmfree.so: $(BUILD)/lib/libmmfree.so.1
	ln -sf libmmfree.so.1 $@

# mmfree.pc for a prefix: $(call mmfree_pc,PREFIX), text for printf
mmfree_pc = prefix=$(1)\nexec_prefix=$${prefix}\nlibdir=$${exec_prefix}/lib\nincludedir=$${prefix}/include\n\nName: mmfree\nDescription: host library for mmfree multiplication-free LM boards\nVersion: $(MMFREE_VERSION)\nCflags: -I$${includedir}\nLibs: -L$${libdir} -lmmfree\nRequires.private: zlib\nLibs.private: -lz\n

$(BUILD)/lib/pkgconfig/mmfree.pc: host/host.mk host/include/mmfree.h
	@mkdir -p $(@D)
	printf '$(call mmfree_pc,$(PREFIX))' > $@

# the CLI: statically linked, so build/bin/mmfree runs without LD_LIBRARY_PATH
$(BIN)/mmfree: $(HOST_CLI_SRC) $(HOST_HDR) $(BUILD)/lib/libmmfree.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ihost/include -Ihls_c $(HOST_CLI_SRC) $(BUILD)/lib/libmmfree.a -lz -o $@

# host tests: tests/host_<name>.c; they may use the internals (host/src/*.h) of the static library
HOST_TESTS := $(patsubst tests/%.c,$(BIN)/%,$(wildcard tests/host_*.c))
$(BIN)/host_%: tests/host_%.c $(HOST_HDR) $(BUILD)/lib/libmmfree.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ihost/include -Ihost/src -Ihls_c $< $(BUILD)/lib/libmmfree.a -lz -o $@

PROGRAMS += $(HOST_LIBS) $(BIN)/mmfree $(HOST_TESTS)

.PHONY: install
install: $(HOST_LIBS) $(BIN)/mmfree
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(BUILD)/lib/libmmfree.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/lib/libmmfree.so.1 $(DESTDIR)$(PREFIX)/lib/
	ln -sf libmmfree.so.1 $(DESTDIR)$(PREFIX)/lib/libmmfree.so
	install -m 644 host/include/mmfree.h $(DESTDIR)$(PREFIX)/include/
	printf '$(call mmfree_pc,$(PREFIX))' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mmfree.pc
	install -m 755 $(BIN)/mmfree $(DESTDIR)$(PREFIX)/bin/
