`default_nettype none
// mmf_uart_rx: UART 8N1 receiver. The line passes two flip-flops into the clock domain. A low line
// seen while idle starts a frame, which is checked again half a bit later (a shorter low glitch is
// dropped); the eight data bits (LSB first) and the stop bit are then sampled one bit time apart, each
// in the middle of its bit. A byte leaves as a one-cycle o_valid pulse with o_data. A stop bit read
// as 0 gives a one-cycle o_frame_err pulse instead, and the receiver then waits for the line to go
// idle (high) before it looks for a start bit again: a break or a line held low costs one error, not
// a stream of zero bytes.
//
// Timing: each frame restarts the bit timing at its own start edge, so a rate error does not add up
// across frames. The last sample (the stop bit) sits 9.5 bit times after the edge, and the receiver is
// idle again half a stop bit early, so a back-to-back start edge from a faster transmitter is still
// seen on time. sim/tb_uart.cpp measures the transmitter bit time the receiver takes: -2.5% .. +5.5%
// at i_div = 4 (the sample is half a cycle late on average), -4% .. +4.5% at 5, -4.75% .. +5.5% at 104.
//
// Parameters:
//   LG_DIV  width of i_div, the clock cycles per bit (runtime, >= 4: 4 is 12 Mbaud at 48 MHz)
//
// Reset: the state, the bit counters and the output pulses. The synchroniser and the data shift
// register are not reset.
module mmf_uart_rx #(
	parameter LG_DIV = 8
) (
	input  wire              i_clk,
	input  wire              i_reset,
	// configuration
	input  wire [LG_DIV-1:0] i_div,
	// line
	input  wire              i_rx,
	// received bytes
	output reg               o_valid,
	output wire [7:0]        o_data,
	output reg               o_frame_err
);
	localparam [2:0] S_WAIT  = 3'd0,  // wait for the line to be idle (high)
			 S_IDLE  = 3'd1,  // wait for a start bit
			 S_START = 3'd2,  // half a bit, then check the start bit is still low
			 S_DATA  = 3'd3,  // eight data bits
			 S_STOP  = 3'd4;  // the stop bit

	reg [1:0]        r_sync;    // the line, two flip-flops deep
	reg [2:0]        r_state;
	reg [LG_DIV-1:0] r_cnt;     // cycles to the next sample, counting this one (1: sample now)
	reg [2:0]        r_bit;     // data bit being received
	reg [7:0]        r_shift;   // data bits, entering at the top (LSB first on the line)

	wire w_line = r_sync[1];
	wire w_sample = (r_cnt == 1);

	assign o_data = r_shift;

	// drives: the line synchroniser
	always @(posedge i_clk)
		r_sync <= {r_sync[0], i_rx};

	// drives: state, bit timing counter, data bit index
	always @(posedge i_clk) begin
		if (i_reset) begin
			r_state <= S_WAIT;
			r_cnt <= 0;
			r_bit <= 0;
		end else begin
			if (r_state >= S_START && !w_sample)
				r_cnt <= r_cnt - 1'b1;
			case (r_state)
			S_WAIT: if (w_line)
					r_state <= S_IDLE;
			S_IDLE: if (!w_line) begin
					r_state <= S_START;
					r_cnt <= i_div >> 1;
				end
			S_START: if (w_sample) begin
					r_state <= w_line ? S_IDLE : S_DATA;
					r_cnt <= i_div;
					r_bit <= 0;
				end
			S_DATA: if (w_sample) begin
					r_cnt <= i_div;
					r_bit <= r_bit + 1'b1;
					if (r_bit == 3'd7)
						r_state <= S_STOP;
				end
			S_STOP: if (w_sample)
					r_state <= w_line ? S_IDLE : S_WAIT;
			default: r_state <= S_WAIT;
			endcase
		end
	end

	// drives: the data shift register
	always @(posedge i_clk)
		if (r_state == S_DATA && w_sample)
			r_shift <= {w_line, r_shift[7:1]};

	// drives: the byte and frame error pulses
	always @(posedge i_clk) begin
		if (i_reset) begin
			o_valid <= 1'b0;
			o_frame_err <= 1'b0;
		end else begin
			o_valid <= (r_state == S_STOP) && w_sample && w_line;
			o_frame_err <= (r_state == S_STOP) && w_sample && !w_line;
		end
	end

`ifdef FORMAL
	reg f_past_valid = 1'b0;
	always @(posedge i_clk)
		f_past_valid <= 1'b1;
	always @(*)
		if (!f_past_valid)
			assume(i_reset);

	always @(posedge i_clk)
		if (f_past_valid) begin
			assert(r_state <= S_STOP);
			// a pulse leaves as the frame ends: the receiver is back to waiting
			if (o_valid)
				assert(r_state == S_IDLE);
			if (o_frame_err)
				assert(r_state == S_WAIT);
			// each pulse lasts one cycle, and a frame gives a byte or an error, never both
			if ($past(o_valid))
				assert(!o_valid);
			if ($past(o_frame_err))
				assert(!o_frame_err);
			assert(!(o_valid && o_frame_err));
		end
`endif
endmodule
