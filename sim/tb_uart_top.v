`default_nettype none
// tb_uart_top: the UART pair for sim/tb_uart.cpp. mmf_uart_tx drives mmf_uart_rx through a line the
// testbench can invert (i_flip), or replace with a line of its own (i_direct, i_line) to test the
// receiver alone. The two ends have separate divisors, so a rate mismatch can be tried.
//
// Parameters:
//   LG_DIV  width of both divisors
//
// Reset: passed to both ends.
module tb_uart_top #(
	parameter LG_DIV = 8
) (
	input  wire              i_clk,
	input  wire              i_reset,
	// divisors, clock cycles per bit
	input  wire [LG_DIV-1:0] i_div,
	input  wire [LG_DIV-1:0] i_div_rx,
	// bytes into the transmitter
	input  wire              i_valid,
	output wire              o_ready,
	input  wire [7:0]        i_data,
	// the line
	input  wire              i_flip,      // invert the line
	input  wire              i_direct,    // the receiver hears i_line instead of the transmitter
	input  wire              i_line,
	output wire              o_tx,        // the transmitter's output
	output wire              o_line,      // what the receiver hears
	// bytes out of the receiver
	output wire              o_rx_valid,
	output wire [7:0]        o_rx_data,
	output wire              o_frame_err
);
	assign o_line = (i_direct ? i_line : o_tx) ^ i_flip;

	mmf_uart_tx #(
		.LG_DIV(LG_DIV)
	) u_tx (
		.i_clk(i_clk),
		.i_reset(i_reset),
		.i_div(i_div),
		.i_valid(i_valid),
		.o_ready(o_ready),
		.i_data(i_data),
		.o_tx(o_tx)
	);

	mmf_uart_rx #(
		.LG_DIV(LG_DIV)
	) u_rx (
		.i_clk(i_clk),
		.i_reset(i_reset),
		.i_div(i_div_rx),
		.i_rx(o_line),
		.o_valid(o_rx_valid),
		.o_data(o_rx_data),
		.o_frame_err(o_frame_err)
	);
endmodule
