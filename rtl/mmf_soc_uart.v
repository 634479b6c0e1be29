`default_nettype none
// mmf_soc_uart: the SoC with a UART 8N1 link: mmf_uart_rx -> mmf_soc_core -> mmf_uart_tx. What the
// iCEBreaker and HX8K-EVN tops instantiate (their FT2232H channel B is a UART), and the virtual
// board's UART mode, where link-bound figures come out in simulated time. A one-byte register sits
// between the core's byte stream and the transmitter, so the transmitter's ready does not run through
// the packet transmitter into the command controller in one cycle; it refills long before the UART
// has sent a byte (10 x DIV cycles), so the line still never idles between bytes.
//
// Parameters:
//   DIV        clock cycles per bit (CLOCK_HZ / baud; 4 = 12 Mbaud at 48 MHz)
//   others     as mmf_soc_core (OPT_I2C, I2C_HZ: the I2C master)
//
// Reset: passed to the PHY and the core.
module mmf_soc_uart #(
	parameter DIV = 4,
	parameter BOARD_ID = 0,
	parameter CLOCK_HZ = 48000000,
	parameter GIT_REV = 0,
	parameter ENG_TAC = 1,
	parameter ENG_SAC = 1,
	parameter ENG_LUT = 1,
	parameter TAC_FMT = 1,
	parameter TAC_LANES = 40,
	parameter TAC_LG = 8,
	parameter SAC_LANES = 16,
	parameter SAC_LG = 8,
	parameter LUT_LANES = 36,
	parameter LUT_LG = 5,
	parameter OPT_I2C = 0,
	parameter I2C_HZ = 400000,
	parameter MEM_WORDS = 16384
) (
	input  wire  i_clk,
	input  wire  i_reset,
	// the UART lines (idle high)
	input  wire  i_rx,
	output wire  o_tx,
	// I2C, open-drain (as mmf_soc_core)
	input  wire  i_i2c_scl,
	input  wire  i_i2c_sda,
	output wire  o_i2c_scl_oe,
	output wire  o_i2c_sda_oe
);
	// the bit-time counters only as wide as DIV needs (3 bits at 12 Mbaud from 48 MHz)
	localparam LG_DIV = $clog2(DIV + 1);
	localparam [31:0] DIV32 = DIV;
	localparam [LG_DIV-1:0] W_DIV = DIV32[LG_DIV-1:0];

	wire       w_rx_valid, w_frame_err, w_tx_valid, w_utx_ready;
	wire [7:0] w_rx_data, w_tx_data;
	reg        r_tx_full;       // the byte register holds a byte for the transmitter
	reg  [7:0] r_tx_byte;
	wire       w_tx_ready = !r_tx_full;

	// drives: the byte register between the core and the transmitter
	always @(posedge i_clk)
		if (i_reset)
			r_tx_full <= 1'b0;
		else if (!r_tx_full && w_tx_valid) begin
			r_tx_full <= 1'b1;
			r_tx_byte <= w_tx_data;
		end else if (w_utx_ready)
			r_tx_full <= 1'b0;

	mmf_uart_rx #(.LG_DIV(LG_DIV)) u_urx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV), .i_rx(i_rx),
		.o_valid(w_rx_valid), .o_data(w_rx_data), .o_frame_err(w_frame_err));

	mmf_soc_core #(.BOARD_ID(BOARD_ID), .LINK(0), .CLOCK_HZ(CLOCK_HZ), .LINK_RATE(CLOCK_HZ / DIV),
		.GIT_REV(GIT_REV), .ENG_TAC(ENG_TAC), .ENG_SAC(ENG_SAC), .ENG_LUT(ENG_LUT), .TAC_FMT(TAC_FMT), .TAC_LANES(TAC_LANES), .TAC_LG(TAC_LG),
		.SAC_LANES(SAC_LANES), .SAC_LG(SAC_LG), .LUT_LANES(LUT_LANES), .LUT_LG(LUT_LG),
		.OPT_I2C(OPT_I2C), .I2C_HZ(I2C_HZ), .MEM_WORDS(MEM_WORDS)) u_core (
		.i_clk(i_clk), .i_reset(i_reset),
		.i_rx_valid(w_rx_valid), .i_rx_data(w_rx_data),
		.o_tx_valid(w_tx_valid), .i_tx_ready(w_tx_ready), .o_tx_data(w_tx_data),
		.i_i2c_scl(i_i2c_scl), .i_i2c_sda(i_i2c_sda), .o_i2c_scl_oe(o_i2c_scl_oe),
		.o_i2c_sda_oe(o_i2c_sda_oe));

	mmf_uart_tx #(.LG_DIV(LG_DIV)) u_utx (.i_clk(i_clk), .i_reset(i_reset), .i_div(W_DIV),
		.i_valid(r_tx_full), .o_ready(w_utx_ready), .i_data(r_tx_byte), .o_tx(o_tx));

	// a frame error drops the byte; the packet layer's CRC and timeout deal with the rest
	wire w_unused = &{1'b0, w_frame_err};
endmodule
