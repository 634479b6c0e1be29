`default_nettype none
// hx8k_evn_top: the mmfree SoC on the iCE40HX8K-B-EVN (HX8K ct256): the 12 MHz oscillator through the
// PLL to 48 MHz, a reset held until the PLL locks, and the SoC behind the FT2232H channel B UART at
// 12 Mbaud (4 cycles per bit). The HX8K has no SPRAM and 32 block RAMs: the tac engine with 2-bit codes
// and 32 lanes (16), the packet and result buffers (4) and 768 words of weight memory (12) fill them.
//
// Parameters:
//   GIT_REV   first 8 hex digits of the RTL's git revision, reported by INFO
//
// Reset: generated here (a counter released once the PLL has locked).
module hx8k_evn_top #(
	parameter GIT_REV = 0
) (
	input  wire  i_clk12,      // J3, 12 MHz
	input  wire  i_rx,         // B10, from the FT2232H (channel B TXD)
	output wire  o_tx,         // B12, to the FT2232H (channel B RXD)
	output wire  o_led_lock,   // B5, LED D9, high = on: PLL locked
	output wire  o_led_run     // B4, LED D8, high = on: running (out of reset)
);
	wire w_clk, w_lock;

	// 12 MHz x 64 / 16 = 48 MHz (icepll -i 12 -o 48). J3 is not a PLL pad on the ct256, so the PLL
	// takes the oscillator from the fabric (SB_PLL40_CORE) rather than from its pad.
	SB_PLL40_CORE #(
		.FEEDBACK_PATH("SIMPLE"),
		.DIVR(4'b0000),
		.DIVF(7'b0111111),
		.DIVQ(3'b100),
		.FILTER_RANGE(3'b001)
	) u_pll (
		.REFERENCECLK(i_clk12),
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

	/* verilator lint_off PINCONNECTEMPTY */
	mmf_soc_uart #(.DIV(4), .BOARD_ID(3), .CLOCK_HZ(48000000), .GIT_REV(GIT_REV),
		.ENG_TAC(1), .ENG_SAC(0), .ENG_LUT(0), .TAC_FMT(0), .TAC_LANES(32), .TAC_LG(8),
		.MEM_WORDS(768)) u_soc (
		.i_clk(w_clk), .i_reset(r_reset), .i_rx(i_rx), .o_tx(o_tx),
		// no I2C master on this board (OPT_I2C 0): its inputs idle high, its enables stay 0
		.i_i2c_scl(1'b1), .i_i2c_sda(1'b1), .o_i2c_scl_oe(), .o_i2c_sda_oe());
	/* verilator lint_on PINCONNECTEMPTY */

	assign o_led_lock = w_lock;
	assign o_led_run = !r_reset;
endmodule
