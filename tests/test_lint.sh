#!/usr/bin/env bash
# verilator --lint-only -Wall, with and without the FORMAL assertions, on every engine in each
# configuration the project builds, on corner LANES values, on the SPRAM bench top, the link PHYs and
# SoC wrappers, and the board tops with their simulation models.
set -euo pipefail
cd "$(dirname "$0")/.."
n=0
lint() {
	for f in "" "+define+FORMAL"; do
		verilator --lint-only -Wall $f -Ibuild/gen -Irtl "rtl/$1.v" --top-module "$@"
		n=$((n + 1))
	done
}
lint tac -GFMT=0 -GLANES=32
lint tac -GFMT=1 -GLANES=40
lint tac -GFMT=0 -GLANES=1
lint tac -GFMT=1 -GLANES=5
lint sac -GLANES=16
lint sac -GLANES=3
lint lut -GLANES=36 -GLG_ACT=5
lint lut -GLANES=3
lint mmf_bench_top -GENGINE=0 -GFMT=1 -GLANES=40 -GLG_ACT=8
lint mmf_bench_top -GENGINE=1 -GLANES=16 -GLG_ACT=8
lint mmf_bench_top -GENGINE=2 -GLANES=36 -GLG_ACT=5
lint mmf_wstream
lint mmf_pkt_rx
lint mmf_pkt_tx
lint mmf_uart_rx
lint mmf_uart_tx
lint mmf_spi_slave
lint mmf_spi_slave -GLG_DEPTH=1
lint mmf_spi_slave -GLG_DEPTH=7
lint mmf_crc32
lint mmf_cmd
lint mmf_cmd -GOPT_I2C=1
# INFO's revision in logic (simulation) and in a block RAM ROM (scripts/bitstream.sh, REV_EBR)
lint mmf_info_rom -GGIT_REV=305419896
lint mmf_info_rom '+define+MMF_REV_EBR="build/rev_placeholder.hex"'
lint mmf_i2c_master
lint mmf_i2c_master -GI2C_HZ=100000
lint mmf_i2c_xfer
lint mmf_soc_core
lint mmf_soc_core -GENG_TAC=0 -GENG_SAC=0
lint mmf_soc_core -GENG_SAC=0
lint mmf_soc_core -GENG_TAC=0 -GENG_SAC=0 -GOPT_I2C=1
# the HX8K's SoC: the tac engine with 2-bit codes alone, 768 words of weight memory in block RAM
lint mmf_soc_core -GENG_SAC=0 -GENG_LUT=0 -GTAC_FMT=0 -GTAC_LANES=32 -GMEM_WORDS=768
lint mmf_wmem
lint mmf_wmem -GMEM_WORDS=768
lint mmf_wmem -GMEM_WORDS=1
lint mmf_soc_uart
lint mmf_soc_spi
lint mmf_soc_spi -GENG_TAC=0 -GENG_SAC=0 -GBOARD_ID=2
lint mmf_async_fifo
lint mmf_async_fifo -GLG_DEPTH=2
lint mmf_ft245_sync
lint mmf_ft245_sync -GRX_SPACING=8 -GLG_RX=4 -GLG_TX=2 -GLG_BURST=2
lint mmf_soc_ft245
lint mmf_soc_ft245 -GENG_TAC=0 -GENG_SAC=0 -GOPT_I2C=1
lint mmf_bench_shell
# the board tops and the SPI virtual board, with the iCE40 primitives' simulation models (sim/ice40)
lint_board() {  # lint_board FILE TOP [ARGS...]
	local file=$1; shift
	for f in "" "+define+FORMAL"; do
		verilator --lint-only -Wall $f -Ibuild/gen -Irtl -Isim -Isim/ice40 "$file" --top-module "$@"
		n=$((n + 1))
	done
}
lint_board boards/icebreaker/icebreaker_top.v icebreaker_top
# the simulation-only pieces: the INA226 model and the fast-mode and UART virtual boards around it
lint_board sim/ina226_model.v ina226_model
lint_board sim/vboard_core.v vboard_core
lint_board sim/vboard_uart.v vboard_uart
lint_board sim/vboard_ft245.v vboard_ft245
lint_board boards/upduino3/upduino3_top.v upduino3_top
lint_board boards/hx8k-evn/hx8k_evn_top.v hx8k_evn_top
lint_board sim/vboard_board.v vboard_board -Iboards/icebreaker +define+BOARD_TOP=icebreaker_top \
	+define+BOARD_CLK=i_clk12
lint_board sim/vboard_board.v vboard_board -Iboards/hx8k-evn +define+BOARD_TOP=hx8k_evn_top \
	+define+BOARD_CLK=i_clk12 +define+BOARD_NO_I2C
lint_board sim/vboard_spi.v vboard_spi -Iboards/upduino3 +define+BOARD_TOP=upduino3_top \
	+define+VBOARD_OSC=vboard_spi.i_clk
echo "lint: $n configurations clean under -Wall"
