`default_nettype none
// icebreaker_top: the mmfree SoC on the iCEBreaker (UP5K sg48): the 12 MHz oscillator through the PLL
// to 48 MHz, a reset held until the PLL locks, and the SoC behind the FT2232H channel B UART at
// 12 Mbaud (4 cycles per bit). The UP5K's 30 block RAMs hold the lut engine (24) and the packet and
// result buffers (4), so this board builds the lut engine alone. The I2C master (fast mode, 400 kHz)
// reads an INA226 on PMOD1A: SCL on pin 47 (PMOD pin 3), SDA on pin 45 (PMOD pin 4), the Digilent
// I2C PMOD's places (docs/boards.md).
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
	output wire  o_led_g_n,    // pin 37, green LED, low = on: running
	inout  wire  io_i2c_scl,   // pin 47, PMOD1A pin 3: I2C clock, open-drain
	inout  wire  io_i2c_sda    // pin 45, PMOD1A pin 4: I2C data, open-drain
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

	// the I2C lines to the INA226 on the PMOD: open-drain pads (the enable pulls the pin low, D_OUT_0
	// is 0), the pull-ups on the PMOD and the pad's own weak one
	wire w_scl_oe, w_sda_oe, w_scl_in, w_sda_in;
	SB_IO #(.PIN_TYPE(6'b101001), .PULLUP(1'b1)) u_scl (.PACKAGE_PIN(io_i2c_scl),
		.OUTPUT_ENABLE(w_scl_oe), .D_OUT_0(1'b0), .D_IN_0(w_scl_in));
	SB_IO #(.PIN_TYPE(6'b101001), .PULLUP(1'b1)) u_sda (.PACKAGE_PIN(io_i2c_sda),
		.OUTPUT_ENABLE(w_sda_oe), .D_OUT_0(1'b0), .D_IN_0(w_sda_in));

	mmf_soc_uart #(.DIV(4), .BOARD_ID(1), .CLOCK_HZ(48000000), .GIT_REV(GIT_REV),
		.ENG_TAC(0), .ENG_SAC(0), .ENG_LUT(1), .OPT_I2C(1), .I2C_HZ(400000)) u_soc (
		.i_clk(w_clk), .i_reset(w_reset), .i_rx(i_rx), .o_tx(o_tx),
		.i_i2c_scl(w_scl_in), .i_i2c_sda(w_sda_in), .o_i2c_scl_oe(w_scl_oe), .o_i2c_sda_oe(w_sda_oe));

	assign o_led_r_n = w_lock;
	assign o_led_g_n = w_reset;
endmodule
