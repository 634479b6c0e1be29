#!/usr/bin/env bash
# synth_ft245.sh [SEED] [soc|phy]: place and route for the UP5K sg48, figures for the FT245
# synchronous FIFO link. No board wires the bus, so there is no .pcf (nextpnr places the pins) and
# no bitstream. Two clocks: the core at 48 MHz (i_clk), the bus at 60 MHz (i_ft_clk, the chip's
# CLKOUT).
#   soc (default)  the SoC behind the PHY (rtl/mmf_soc_ft245.v) as the iCEBreaker's SoC would be with
#                  it: the lut engine alone, the I2C master
#   phy            the PHY alone (rtl/mmf_ft245_sync.v, RX_SPACING 8 as in the SoC), its core side
#                  looped back (each byte received is sent back) in a test top written here, so that
#                  only the bus has pins
# Leaves in build/synth/ft245[-phy]/: the netlist, report.json (nextpnr: cells, Fmax per clock),
# yosys.log, nextpnr.log (the critical paths). Prints one line of figures; exits 1 when a clock
# misses its target (the figures are printed either way), 0 when both are met.
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-1}
what=${2:-soc}
case $what in
soc) out=build/synth/ft245 ;;
phy) out=build/synth/ft245-phy ;;
*) echo "usage: $0 [SEED] [soc|phy]" >&2; exit 2 ;;
esac
mkdir -p "$out"
make -s build/gen/.stamp >/dev/null
cat > "$out/clocks.py" <<'PY'
# nextpnr --pre-pack: the two clocks' targets
ctx.addClock("i_clk", 48)
ctx.addClock("i_ft_clk", 60)
PY
if [ "$what" = soc ]; then
	top=mmf_soc_ft245
	read_v="read_verilog -Ibuild/gen -Irtl rtl/*.v; \
		chparam -set ENG_TAC 0 -set ENG_SAC 0 -set ENG_LUT 1 -set OPT_I2C 1 mmf_soc_ft245"
else
	top=ft245_phy_loop
	cat > "$out/ft245_phy_loop.v" <<'V'
`default_nettype none
// ft245_phy_loop: written by scripts/synth_ft245.sh: mmf_ft245_sync with its core side looped back
// (every byte received is offered back), so that only the bus and the clocks have pins.
module ft245_phy_loop (
	input  wire       i_clk,
	input  wire       i_reset,
	input  wire       i_ft_clk,
	input  wire       i_rxf_n,
	input  wire       i_txe_n,
	input  wire [7:0] i_data,
	output wire       o_oe_n,
	output wire       o_rd_n,
	output wire       o_wr_n,
	output wire [7:0] o_data,
	output wire       o_data_oe,
	output wire       o_siwu_n,
	output wire       o_tx_ready
);
	wire       w_valid;
	wire [7:0] w_byte;
	mmf_ft245_sync #(.RX_SPACING(8)) u_phy (
		.i_clk(i_clk), .i_reset(i_reset), .i_ft_clk(i_ft_clk), .i_rxf_n(i_rxf_n),
		.i_txe_n(i_txe_n), .i_data(i_data), .o_oe_n(o_oe_n), .o_rd_n(o_rd_n), .o_wr_n(o_wr_n),
		.o_data(o_data), .o_data_oe(o_data_oe), .o_siwu_n(o_siwu_n),
		.o_rx_valid(w_valid), .o_rx_data(w_byte),
		.i_tx_valid(w_valid), .o_tx_ready(o_tx_ready), .i_tx_data(w_byte));
endmodule
V
	read_v="read_verilog -Ibuild/gen -Irtl rtl/mmf_async_fifo.v rtl/mmf_ft245_sync.v $out/ft245_phy_loop.v"
fi
echo "synth_ft245: yosys ($top)" >&2
yosys -q -l "$out/yosys.log" -p "$read_v; synth_ice40 -top $top -json $out/$top.json"
echo "synth_ft245: nextpnr-ice40 --up5k --package sg48 --seed $seed" >&2
rm -f "$out/report.json"
nextpnr-ice40 --up5k --package sg48 --json "$out/$top.json" --pre-pack "$out/clocks.py" \
	--seed "$seed" --report "$out/report.json" --timing-allow-fail -q -l "$out/nextpnr.log" 2>/dev/null ||
	{ echo "synth_ft245: place and route failed (see $out/nextpnr.log)" >&2; exit 1; }
# nextpnr names a clock by its global net (i_clk$SB_IO_IN_$glb_clk): match by the port's name
jq -r --argjson seed "$seed" --arg what "$what" '
	def clk($p): [.fmax | to_entries[] | select(.key | startswith($p + "$")) | .value][0];
	def mhz: . * 100 | floor / 100;
	def fig($name; $p): clk($p) as $c |
		"\($name) \($c.achieved | mhz) MHz (\($c.constraint | round): " +
		(if $c.achieved >= $c.constraint then "met" else "MISSED" end) + ")";
	.utilization as $u |
	"synth_ft245 \($what), seed \($seed): \($u.ICESTORM_LC.used)/\($u.ICESTORM_LC.available) cells, " +
	"\($u.ICESTORM_RAM.used)/\($u.ICESTORM_RAM.available) EBR, \($u.ICESTORM_SPRAM.used // 0) SPRAM, " +
	"\($u.ICESTORM_DSP.used // 0) DSP; " + fig("core"; "i_clk") + ", " + fig("bus"; "i_ft_clk")' \
	"$out/report.json"
jq -e '[.fmax[] | .achieved >= .constraint] | all' "$out/report.json" >/dev/null
