`default_nettype none
// mmf_i2c_xfer: the transfer of the I2C command (docs/protocol.md), on rtl/mmf_i2c_master.v: when
// there are bytes to write (or nothing to read), START, the address with W and the bytes; when there
// are bytes to read, a (repeated) START, the address with R and the bytes, each acknowledged but the
// last; then STOP. A byte that is not acknowledged ends the transfer at once with STOP. Twin of
// mmf_i2c_xfer() in hls_c/mmf_i2c.c.
//
// Parameters:
//   CLOCK_HZ, I2C_HZ   as mmf_i2c_master
//
// Reset: the sequencer state and the done pulse. The latched arguments, the outcome and the bytes
// read are not reset (each transfer sets them before it reports).
module mmf_i2c_xfer #(
	parameter CLOCK_HZ = 48000000,
	parameter I2C_HZ = 400000
) (
	input  wire        i_clk,
	input  wire        i_reset,
	// the transfer (held while i_start is high for one cycle)
	input  wire        i_start,
	input  wire [6:0]  i_addr,
	input  wire [1:0]  i_nw,        // bytes to write, 0..3
	input  wire [2:0]  i_nr,        // bytes to read, 0..4
	input  wire [23:0] i_wdata,     // byte 0 in [7:0]
	// its outcome: one cycle of o_done, o_result (0 ok, 1 address, 2 data not acknowledged) and the
	// bytes read (byte 0 in [7:0], zero past a refusal) held until the next transfer
	output reg         o_done,
	output reg  [1:0]  o_result,
	output reg  [31:0] o_rdata,
	// the lines
	input  wire        i_scl,
	input  wire        i_sda,
	output wire        o_scl_oe,
	output wire        o_sda_oe
);
	localparam [1:0] M_START = 2'd0, M_WRITE = 2'd1, M_READ = 2'd2, M_STOP = 2'd3;
	// sequencer steps (bit numbers of the one-hot r_x): START for the write, its address, the bytes,
	// START for the read, its address, the bytes, STOP
	localparam X_S1 = 0, X_A1 = 1, X_W = 2, X_S2 = 3, X_A2 = 4, X_R = 5, X_STOP = 6, N_X = 7;
	localparam [N_X-1:0] XONE = 1;

	reg [N_X-1:0] r_x;          // one-hot; 0: idle
	reg           r_issued;     // this step's command has gone to the master
	reg [6:0]     r_addr;
	reg [1:0]     r_nw;
	reg [2:0]     r_nr;
	reg [23:0]    r_w;          // bytes still to write, the next in [7:0]
	reg [2:0]     r_j;          // bytes written or read so far
	reg           r_last;       // the byte being handled is the last of its kind

	wire       w_m_ready, w_m_done, w_m_nak;
	wire [7:0] w_m_rdata;
	wire       w_busy = |r_x;

	// the master's command for the step
	wire [1:0] w_cmd = (r_x[X_S1] || r_x[X_S2]) ? M_START : r_x[X_R] ? M_READ : r_x[X_STOP] ? M_STOP :
			   M_WRITE;
	wire [7:0] w_data = r_x[X_A1] ? {r_addr, 1'b0} : r_x[X_A2] ? {r_addr, 1'b1} : r_w[7:0];

	mmf_i2c_master #(.CLOCK_HZ(CLOCK_HZ), .I2C_HZ(I2C_HZ)) u_master (.i_clk(i_clk), .i_reset(i_reset),
		.i_cmd_valid(w_busy && !r_issued && w_m_ready), .o_cmd_ready(w_m_ready), .i_cmd(w_cmd),
		.i_data(w_data), .i_ack(!r_last), .o_done(w_m_done), .o_rdata(w_m_rdata), .o_nak(w_m_nak),
		.i_scl(i_scl), .i_sda(i_sda), .o_scl_oe(o_scl_oe), .o_sda_oe(o_sda_oe));

	// what follows the write phase: the read, or STOP
	wire [N_X-1:0] w_after_w = (r_nr != 3'd0) ? (XONE << X_S2) : (XONE << X_STOP);

	// drives: the step (taken when the master reports the step's command done)
	always @(posedge i_clk)
		if (i_reset) begin
			r_x <= {N_X{1'b0}};
		end else if (!w_busy) begin
			if (i_start)
				r_x <= (i_nw != 2'd0 || i_nr == 3'd0) ? (XONE << X_S1) : (XONE << X_S2);
		end else if (w_m_done) begin
			(* parallel_case *)
			case (1'b1)
			r_x[X_S1]: r_x <= XONE << X_A1;
			r_x[X_A1]: r_x <= w_m_nak ? (XONE << X_STOP) : (r_nw != 2'd0) ? (XONE << X_W) : w_after_w;
			r_x[X_W]: r_x <= (w_m_nak || r_last) ? (w_m_nak ? (XONE << X_STOP) : w_after_w) : r_x;
			r_x[X_S2]: r_x <= XONE << X_A2;
			r_x[X_A2]: r_x <= w_m_nak ? (XONE << X_STOP) : (XONE << X_R);
			r_x[X_R]: r_x <= r_last ? (XONE << X_STOP) : r_x;
			default: r_x <= {N_X{1'b0}};        // X_STOP: the transfer is over
			endcase
		end

	// drives: the issued flag (one command per step)
	always @(posedge i_clk)
		if (i_reset || !w_busy || w_m_done)
			r_issued <= 1'b0;
		else if (w_m_ready)
			r_issued <= 1'b1;

	// drives: the arguments, the byte count and the last-byte flag; the bytes to write shift down
	always @(posedge i_clk)
		if (!w_busy) begin
			if (i_start) begin
				r_addr <= i_addr;
				r_nw <= i_nw;
				r_nr <= i_nr;
				r_w <= i_wdata;
			end
			r_j <= 3'd0;
			r_last <= 1'b0;
		end else if (w_m_done) begin
			if (r_x[X_A1]) begin
				r_j <= 3'd0;
				r_last <= (r_nw == 2'd1);
			end else if (r_x[X_A2]) begin
				r_j <= 3'd0;
				r_last <= (r_nr == 3'd1);
			end else if (r_x[X_W] || r_x[X_R]) begin
				r_j <= r_j + 3'd1;
				r_last <= r_x[X_W] ? ({1'b0, r_nw} == r_j + 3'd2) : (r_nr == r_j + 3'd2);
				if (r_x[X_W])
					r_w <= {8'd0, r_w[23:8]};
			end
		end

	// drives: the outcome, the bytes read and the done pulse
	always @(posedge i_clk) begin
		o_done <= !i_reset && w_busy && r_x[X_STOP] && w_m_done;
		if (!w_busy && i_start) begin
			o_result <= 2'd0;
			o_rdata <= 32'd0;
		end else if (w_m_done) begin
			if ((r_x[X_A1] || r_x[X_A2]) && w_m_nak)
				o_result <= 2'd1;
			if (r_x[X_W] && w_m_nak)
				o_result <= 2'd2;
			if (r_x[X_R])
				o_rdata[8*r_j[1:0] +: 8] <= w_m_rdata;
		end
	end
endmodule
