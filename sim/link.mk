# sim/link.mk: the link's physical layer, included by the top Makefile: the UART pair (tx -> line ->
# rx, and the receiver alone), the SPI slave against a bit-level host model, and the CRC-32 against
# zlib. Proofs: tests/test_link_phy.sh.

# UART: rtl/mmf_uart_tx.v into rtl/mmf_uart_rx.v through sim/tb_uart_top.v
$(BIN)/tb_uart: sim/tb_uart.cpp sim/tb_uart_top.v sim/testb.h rtl/mmf_uart_tx.v rtl/mmf_uart_rx.v
	@mkdir -p $(BUILD)/sim/tb_uart $(BIN)
	verilator --cc --exe $(VFLAGS) --top-module tb_uart_top -CFLAGS "$(VCFLAGS)" \
		--Mdir $(BUILD)/sim/tb_uart -o tb $(CURDIR)/sim/tb_uart_top.v $(CURDIR)/sim/tb_uart.cpp \
		> $(BUILD)/sim/tb_uart.log 2>&1 || { tail -30 $(BUILD)/sim/tb_uart.log; exit 1; }
	cp $(BUILD)/sim/tb_uart/tb $@

# SPI: rtl/mmf_spi_slave.v alone, its TX FIFO at 16 bytes so that it fills
$(BIN)/tb_spi: sim/tb_spi.cpp sim/testb.h rtl/mmf_spi_slave.v
	@mkdir -p $(BUILD)/sim/tb_spi $(BIN)
	verilator --cc --exe $(VFLAGS) --top-module mmf_spi_slave -GLG_DEPTH=4 -CFLAGS "$(VCFLAGS) -DTB_DEPTH=16" \
		--Mdir $(BUILD)/sim/tb_spi -o tb $(CURDIR)/rtl/mmf_spi_slave.v $(CURDIR)/sim/tb_spi.cpp \
		> $(BUILD)/sim/tb_spi.log 2>&1 || { tail -30 $(BUILD)/sim/tb_spi.log; exit 1; }
	cp $(BUILD)/sim/tb_spi/tb $@

# CRC-32: rtl/mmf_crc32.v alone against zlib's crc32()
$(BIN)/tb_crc32: sim/tb_crc32.cpp sim/testb.h rtl/mmf_crc32.v rtl/mmf_crc32_fn.vh
	@mkdir -p $(BUILD)/sim/tb_crc32 $(BIN)
	verilator --cc --exe $(VFLAGS) --top-module mmf_crc32 -CFLAGS "$(VCFLAGS)" -LDFLAGS "-lz" \
		--Mdir $(BUILD)/sim/tb_crc32 -o tb $(CURDIR)/rtl/mmf_crc32.v $(CURDIR)/sim/tb_crc32.cpp \
		> $(BUILD)/sim/tb_crc32.log 2>&1 || { tail -30 $(BUILD)/sim/tb_crc32.log; exit 1; }
	cp $(BUILD)/sim/tb_crc32/tb $@

PROGRAMS += $(BIN)/tb_uart $(BIN)/tb_spi $(BIN)/tb_crc32

# FT245 synchronous FIFO: rtl/mmf_ft245_sync.v alone between the C model of the FT2232H's side of the
# bus (sim/ft245_chip.c) and a core, at three clock ratios; tb_ft245 hands the core a byte every cycle
# if it can (RX_SPACING 1: the throughput figures), tb_ft245_s8 one per 8 cycles as the SoC does (the
# receive FIFO fills at every ratio)
$(BIN)/tb_ft245 $(BIN)/tb_ft245_s8: $(BIN)/tb_ft245%: sim/tb_ft245.cpp sim/ft245_clocks.h sim/ft245_chip.c \
		sim/ft245_chip.h sim/testb.h rtl/mmf_ft245_sync.v rtl/mmf_async_fifo.v
	@mkdir -p $(BUILD)/sim/tb_ft245$* $(BIN)
	verilator --cc --exe $(VFLAGS) --top-module mmf_ft245_sync -GRX_SPACING=$(if $*,8,1) \
		-CFLAGS "$(VCFLAGS) -DTB_SPACING=$(if $*,8,1)" --Mdir $(BUILD)/sim/tb_ft245$* -o tb \
		$(CURDIR)/rtl/mmf_ft245_sync.v $(CURDIR)/sim/tb_ft245.cpp $(CURDIR)/sim/ft245_chip.c \
		> $(BUILD)/sim/tb_ft245$*.log 2>&1 || { tail -30 $(BUILD)/sim/tb_ft245$*.log; exit 1; }
	cp $(BUILD)/sim/tb_ft245$*/tb $@

PROGRAMS += $(BIN)/tb_ft245 $(BIN)/tb_ft245_s8
