`default_nettype none
// upduino3_top: the mmfree SoC on the UPduino v3 (UP5K sg48): the internal 48 MHz oscillator, a reset
// held for 15 cycles after configuration, and the SoC behind an SPI slave on the FT232H's MPSSE lines
// (docs/protocol.md, "SPI link layer"). The FT232H reaches the FPGA only on the flash's SPI lines, so
// the link is SPI with the host as master; the slave's select is ADBUS3, wired from TP11 to pin 41
// (boards/upduino3/upduino3.pcf says why and from which sources). The same block RAM budget as the
// iCEBreaker's (the lut engine and the packet and result buffers), plus one for the SPI TX FIFO.
//
// I2C: the pins for an INA226 are reserved (header gpio_47 SCL, gpio_45 SDA, the iCEBreaker's PMOD
// pins, docs/boards.md), but the I2C master is not built (OPT_I2C 0): with it the SoC placed at
// 47.7 MHz, short of the 48 MHz clock (its path was the SPI transmit handshake, not the I2C logic; the
// extra 327 cells moved the placement). Without it INFO has no features byte and the board meter says
// the board has no I2C master.
//
// Clock: the board has a 12 MHz oscillator, but it reaches the FPGA only when the OSC jumper (R16) is
// shorted, on pin 20 (not the PLL's pad, pin 35). The internal SB_HFOSC needs no jumper and no PLL,
// and SPI is clocked by the master, so its tolerance only moves the SCK limit: 10 MHz SCK needs a core
// clock of 40 MHz (mmf_spi_slave: a quarter), so the oscillator may run up to 16 % slow (the figure
// usually quoted for it is 10 %).
//
// Parameters:
//   GIT_REV   first 8 hex digits of the RTL's git revision, reported by INFO
//
// Reset: generated here (a counter from configuration: iCE40 flip-flops start at 0).
module upduino3_top #(
	parameter GIT_REV = 0
) (
	input  wire  i_spi_sck,    // pin 15, FT232H ADBUS0 (also the flash's clock)
	input  wire  i_spi_mosi,   // pin 14, FT232H ADBUS1 (also the flash's DI)
	output wire  o_spi_miso,   // pin 17, FT232H ADBUS2 (also the flash's DO): driven only while selected
	input  wire  i_spi_cs_n,   // pin 41, FT232H ADBUS3 through the TP11 wire
	inout  wire  io_i2c_scl,   // pin 47 (header gpio_47): I2C clock, open-drain
	inout  wire  io_i2c_sda    // pin 45 (header gpio_45): I2C data, open-drain
);
	wire w_clk;

	// the internal oscillator at 48 MHz (CLKHF_DIV 0b00)
	SB_HFOSC #(.CLKHF_DIV("0b00")) u_osc (.CLKHFPU(1'b1), .CLKHFEN(1'b1), .CLKHF(w_clk));

	reg [3:0] r_rst_cnt = 4'd0;
	reg       r_reset = 1'b1;
	// drives: the reset counter, from configuration on, and the reset itself, registered (it reaches
	// most of the chip: a flip-flop output can take a global net)
	always @(posedge w_clk) begin
		if (!(&r_rst_cnt))
			r_rst_cnt <= r_rst_cnt + 1'b1;
		r_reset <= !(&r_rst_cnt);
	end
	wire w_reset = r_reset;

	// the I2C lines, open-drain pads (the enable pulls the pin low, D_OUT_0 is 0; released while
	// OPT_I2C is 0), the pull-ups on the INA226 board and the pad's own weak one
	wire w_scl_oe, w_sda_oe, w_scl_in, w_sda_in;
	SB_IO #(.PIN_TYPE(6'b101001), .PULLUP(1'b1)) u_scl (.PACKAGE_PIN(io_i2c_scl),
		.OUTPUT_ENABLE(w_scl_oe), .D_OUT_0(1'b0), .D_IN_0(w_scl_in));
	SB_IO #(.PIN_TYPE(6'b101001), .PULLUP(1'b1)) u_sda (.PACKAGE_PIN(io_i2c_sda),
		.OUTPUT_ENABLE(w_sda_oe), .D_OUT_0(1'b0), .D_IN_0(w_sda_in));

	// MISO is driven only while the select pin itself is low (not its synchronised copy): the flash
	// shares the line, and the first bit must be on it before the first SCK edge
	wire w_miso, w_miso_in;
	SB_IO #(.PIN_TYPE(6'b101001), .PULLUP(1'b0)) u_miso (.PACKAGE_PIN(o_spi_miso),
		.OUTPUT_ENABLE(!i_spi_cs_n), .D_OUT_0(w_miso), .D_IN_0(w_miso_in));

	mmf_soc_spi #(.SCK_HZ(10000000), .LG_FIFO(9), .BOARD_ID(2), .CLOCK_HZ(48000000), .GIT_REV(GIT_REV),
		.ENG_TAC(0), .ENG_SAC(0), .ENG_LUT(1), .OPT_I2C(0), .I2C_HZ(400000)) u_soc (
		.i_clk(w_clk), .i_reset(w_reset), .i_spi_sck(i_spi_sck), .i_spi_cs_n(i_spi_cs_n),
		.i_spi_mosi(i_spi_mosi), .o_spi_miso(w_miso),
		.i_i2c_scl(w_scl_in), .i_i2c_sda(w_sda_in), .o_i2c_scl_oe(w_scl_oe), .o_i2c_sda_oe(w_sda_oe));

	// the MISO pad's input is not used (the pin is an output)
	wire w_unused = &{1'b0, w_miso_in};
endmodule
