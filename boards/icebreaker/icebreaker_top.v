`default_nettype none
// icebreaker_top: the mmfree SoC on the iCEBreaker (UP5K sg48): the 12 MHz oscillator through the PLL
// to 48 MHz, a reset held until the PLL locks, and the SoC behind the FT2232H channel B UART at
// 12 Mbaud (4 cycles per bit). The UP5K's 30 block RAMs hold the lut engine (24) and the packet and
// result buffers (4), so this board builds the lut engine alone.
//
// Parameters:
//   GIT_REV   first 8 hex digits of the RTL's git revision, reported by INFO
//
// Reset: generated here (a counter released once the PLL has locked).
module icebreaker_top #(
	parameter GIT_REV = 0
) (
	input  wire  i_clk12,      // pin 35, 12 MHz
	input  wire  i_rx,         // pin 6, from the FT2232H (channel B TXD)
	output wire  o_tx,         // pin 9, to the FT2232H (channel B RXD)
	output wire  o_led_r_n,    // pin 11, red LED, low = on: not locked
	output wire  o_led_g_n     // pin 37, green LED, low = on: running
);
	wire w_clk, w_lock;

	// 12 MHz x 64 / 16 = 48 MHz (icepll -i 12 -o 48)
	SB_PLL40_PAD #(
		.FEEDBACK_PATH("SIMPLE"),
		.DIVR(4'b0000),
		.DIVF(7'b0111111),
		.DIVQ(3'b100),
		.FILTER_RANGE(3'b001)
	) u_pll (
		.PACKAGEPIN(i_clk12),
		.PLLOUTGLOBAL(w_clk),
		.LOCK(w_lock),
		.RESETB(1'b1),
		.BYPASS(1'b0)
	);

	reg [3:0] r_rst_cnt = 4'd0;
	reg       r_reset = 1'b1;
	// drives: the reset counter, counting once the PLL is locked, and the reset itself, registered
	// (it reaches most of the chip: a flip-flop output can take a global net)
	always @(posedge w_clk) begin
		if (!w_lock)
			r_rst_cnt <= 4'd0;
		else if (!(&r_rst_cnt))
			r_rst_cnt <= r_rst_cnt + 1'b1;
		r_reset <= !(&r_rst_cnt);
	end
	wire w_reset = r_reset;

	mmf_soc_uart #(.DIV(4), .BOARD_ID(1), .CLOCK_HZ(48000000), .GIT_REV(GIT_REV),
		.ENG_TAC(0), .ENG_SAC(0), .ENG_LUT(1)) u_soc (
		.i_clk(w_clk), .i_reset(w_reset), .i_rx(i_rx), .o_tx(o_tx));

	assign o_led_r_n = w_lock;
	assign o_led_g_n = w_reset;
endmodule
