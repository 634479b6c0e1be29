#!/usr/bin/env bash
# Proves every stream-handshake assertion with Yosys (sat -tempinduct) on each engine, the weight
# stream reader, the packet layer, the SPI slave PHY, the I2C master's line rules, the dual-clock FIFO
# (clocks free) and the FT245 PHY's bus rules, then proves the prover can fail: a mutant controller
# that ignores back-pressure must be refuted, and so must a dual-clock FIFO whose full test is wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prove.sh tac FMT=0 LANES=4 LG_ACT=1
scripts/prove.sh tac FMT=1 LANES=5 LG_ACT=1
scripts/prove.sh sac LANES=2 LG_ACT=1
scripts/prove.sh lut LANES=3 LG_ACT=1
scripts/prove.sh mmf_wstream LG_N=4
scripts/prove.sh mmf_pkt_rx MAX_LEN=8 LG_BUF=3 LG_TIMEOUT=3
scripts/prove.sh mmf_pkt_tx
scripts/prove.sh mmf_spi_slave LG_DEPTH=1
scripts/prove.sh mmf_spi_slave LG_DEPTH=2
# the I2C master at 4 cycles a quarter: SDA changes under a released SCL only for START and STOP
scripts/prove.sh mmf_i2c_master CLOCK_HZ=16 I2C_HZ=1
# the dual-clock FIFO with both clocks free (any edges, together or not): pointer copies lag and never
# pass what they copy, never more entries than the memory
MULTICLOCK=1 scripts/prove.sh mmf_async_fifo LG_DEPTH=2
MULTICLOCK=1 scripts/prove.sh mmf_async_fifo LG_DEPTH=3
# the FT245 PHY's bus rules (OE# a cycle before RD#, a turnaround before D is driven, WR# only with D
# driven, a byte not taken held on D)
scripts/prove.sh mmf_ft245_sync LG_RX=4 LG_TX=2 LG_BURST=2
scripts/prove.sh mmf_ft245_sync LG_RX=4 LG_TX=3 LG_BURST=3 RX_SPACING=3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the includes too: without them the mutant fails to read, which is no refutation
cp rtl/*.v rtl/*.vh "$tmp/"
sed -i 's/wire w_ce = !o_res_valid || i_res_ready;/wire w_ce = 1'"'"'b1;/' "$tmp/mmf_engine_ctl.v"
grep -q "wire w_ce = 1'b1;" "$tmp/mmf_engine_ctl.v"
if RTL_DIR="$tmp" scripts/prove.sh tac FMT=0 LANES=4 LG_ACT=1 >/dev/null 2>&1; then
	echo "formal: a controller that drops held results was NOT refuted"
	exit 1
fi
# a dual-clock FIFO whose full test compares the pointers as binary ones would be (top bit only)
cp rtl/mmf_async_fifo.v "$tmp/mmf_async_fifo.v"
sed -i 's/{~r_rg2\[AW-1:AW-2\], r_rg2\[AW-3:0\]}/{~r_rg2[AW-1], r_rg2[AW-2:0]}/' "$tmp/mmf_async_fifo.v"
grep -q '{~r_rg2\[AW-1\], r_rg2\[AW-2:0\]}' "$tmp/mmf_async_fifo.v"
if RTL_DIR="$tmp" MULTICLOCK=1 scripts/prove.sh mmf_async_fifo LG_DEPTH=2 >/dev/null 2>&1; then
	echo "formal: a dual-clock FIFO with a wrong full test was NOT refuted"
	exit 1
fi
echo "formal: 9 designs proven (the SPI slave at two FIFO depths, the I2C master), the dual-clock FIFO with free clocks at two depths and the FT245 PHY's bus rules at two sizes; the back-pressure and FIFO-full mutants were refuted"
