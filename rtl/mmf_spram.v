`default_nettype none
// mmf_spram: one 16K x 16 single-port RAM: the UP5K's SB_SPRAM256KA under synthesis, a behavioural
// model of the same port (one-cycle registered read) in simulation.
//
// Parameters: none.
//
// Reset: none (a RAM).
module mmf_spram (
	input  wire         i_clk,
	input  wire [13:0]  i_addr,
	input  wire         i_we,       // write i_wdata at i_addr; otherwise read it
	input  wire [15:0]  i_wdata,
	output wire [15:0]  o_rdata     // word at the previous cycle's read address
);
`ifdef SYNTHESIS
	SB_SPRAM256KA u_spram (
		.ADDRESS(i_addr), .DATAIN(i_wdata), .MASKWREN(4'b1111), .WREN(i_we),
		.CHIPSELECT(1'b1), .CLOCK(i_clk), .STANDBY(1'b0), .SLEEP(1'b0), .POWEROFF(1'b1),
		.DATAOUT(o_rdata));
`else
	reg [15:0] r_mem [0:16383];
	reg [15:0] r_rdata;

	// drives: the array and the registered read (a write leaves the read register as it was)
	always @(posedge i_clk) begin
		if (i_we)
			r_mem[i_addr] <= i_wdata;
		else
			r_rdata <= r_mem[i_addr];
	end
	assign o_rdata = r_rdata;
`endif
endmodule
