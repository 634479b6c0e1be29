`default_nettype none
// vboard_spi_host: the host's side of the SPI link for the virtual board: an SPI master (mode 0) that
// speaks the link layer of docs/protocol.md, as the FT232H transport does. Host bytes are sent in
// WRITE transactions (command 0x01, then bytes for as long as the next one is offered when the last
// one is out); otherwise it polls with READ transactions (command 0x02), reading chunk after chunk
// (a length byte, that many bytes) until a length is 0, then raising CS. So it is the fastest host
// the link allows: a board byte is seen at most one poll (~90 core cycles at 10 MHz) after it is ready.
//
// SCK comes from a phase accumulator: SCK_HZ in CLOCK_HZ cycles, so half periods of 2 or 3 core
// cycles at 10 MHz / 48 MHz, as an asynchronous master's edges fall on the slave's clock. CS falls a
// half period before the first rising edge and rises a half period after the last falling one, and
// stays high for two half periods.
//
// Parameters:
//   CLOCK_HZ   the simulated core clock
//   SCK_HZ     the SCK rate (<= CLOCK_HZ / 4, the slave's limit)
//
// Reset: the state, the pins and the byte pulse. The accumulator and the shift registers are not.
module vboard_spi_host #(
	parameter CLOCK_HZ = 48000000,
	parameter SCK_HZ = 10000000
) (
	input  wire       i_clk,
	input  wire       i_reset,
	// host bytes to the board
	input  wire       i_valid,
	output wire       o_ready,
	input  wire [7:0] i_data,
	// board bytes to the host (one-cycle pulse each)
	output reg        o_valid,
	output reg  [7:0] o_data,
	// the SPI pins
	output reg        o_sck,
	output reg        o_cs_n,
	output wire       o_mosi,
	input  wire       i_miso
);
	localparam [7:0] CMD_WRITE = 8'h01,
			 CMD_READ  = 8'h02;
	localparam [2:0] S_GAP   = 3'd0,  // CS high between transactions
			 S_START = 3'd1,  // CS falls, the command is chosen
			 S_LOW   = 3'd2,  // SCK low, MOSI set
			 S_HIGH  = 3'd3,  // SCK high, MISO sampled at its rising edge
			 S_END   = 3'd4;  // a half period, then CS rises
	localparam [31:0] STEP = 2 * SCK_HZ;
	localparam [31:0] MOD = CLOCK_HZ;

	reg [31:0] r_acc = 0;     // phase accumulator: a half period ends when it wraps
	reg [2:0]  r_state;
	reg        r_read;        // this transaction is a READ
	reg [2:0]  r_bit;         // bits of the current byte clocked
	reg [1:0]  r_gap;         // half periods of CS high left
	reg [6:0]  r_left;        // announced bytes still to come in this READ
	reg [7:0]  r_shift;       // MOSI: r_shift[7] is on the line
	reg [7:0]  r_in;          // MISO bits of the current byte

	wire [31:0] w_acc = r_acc + STEP;
	wire        w_tick = (w_acc >= MOD);
	wire        w_done = (r_state == S_HIGH) && w_tick && (r_bit == 3'd7);
	wire [7:0]  w_in = r_in;   // the byte just completed (its last bit came at the rising edge)

	assign o_ready = w_done && !r_read;
	assign o_mosi = r_shift[7];

	// drives: the phase accumulator
	always @(posedge i_clk)
		r_acc <= w_tick ? w_acc - MOD : w_acc;

	// drives: the transaction state, the pins, the shift registers and the byte pulse
	always @(posedge i_clk) begin
		o_valid <= 1'b0;
		if (i_reset) begin
			r_state <= S_GAP;
			r_gap <= 2'd2;
			o_sck <= 1'b0;
			o_cs_n <= 1'b1;
		end else if (w_tick) begin
			case (r_state)
			S_GAP: begin
				r_gap <= r_gap - 1'b1;
				if (r_gap == 2'd1)
					r_state <= S_START;
			end
			S_START: begin
				o_cs_n <= 1'b0;
				r_read <= !i_valid;
				r_shift <= i_valid ? CMD_WRITE : CMD_READ;
				r_bit <= 3'd0;
				r_left <= 7'd0;
				r_state <= S_LOW;
			end
			S_LOW: begin
				o_sck <= 1'b1;
				r_in <= {r_in[6:0], i_miso};
				r_state <= S_HIGH;
			end
			S_HIGH: begin
				o_sck <= 1'b0;
				r_bit <= r_bit + 1'b1;
				r_shift <= {r_shift[6:0], 1'b0};
				r_state <= S_LOW;
				if (r_bit == 3'd7) begin
					if (!r_read) begin
						// a WRITE goes on while the host has the next byte ready
						if (i_valid)
							r_shift <= i_data;
						else
							r_state <= S_END;
					end else if (r_left != 0) begin
						o_valid <= 1'b1;
						o_data <= w_in;
						r_left <= r_left - 1'b1;
					end else if (w_in[7] || w_in[6:0] == 7'd0) begin
						// nothing more (or no slave: MISO pulled up reads 0xFF)
						r_state <= S_END;
					end else begin
						r_left <= w_in[6:0];
					end
				end
			end
			S_END: begin
				o_cs_n <= 1'b1;
				r_gap <= 2'd2;
				r_state <= S_GAP;
			end
			default: r_state <= S_GAP;
			endcase
		end
	end

	wire w_unused = &{1'b0, w_done};
endmodule
