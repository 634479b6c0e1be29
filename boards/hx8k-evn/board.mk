# iCE40HX8K-B-EVN: Lattice iCE40HX8K-CT256, 12 MHz oscillator on J3, FT2232H (A: flash or CRAM by
# jumpers, B: UART). No SPRAM: the weight memory is block RAM (768 words), with the tac engine alone.
DEVICE      := hx8k
PACKAGE     := ct256
# Core clock the SoC runs at (PLL from the 12 MHz oscillator).
FREQ_MHZ    := 48
LINK        := uart
# How `make prog` and `mmfree flash` program it (docs/boards.md; the jumpers choose flash or CRAM):
# PROGRAMMER runs by default (iceprog was written on this board's wiring); with openFPGALoader,
# OFL_BOARD is its -b name: it has no entry for this board, and its generic iCE40 FT2232H entry has
# the same channel A pins (CRESET ADBUS7, CDONE ADBUS6, flash select ADBUS4).
PROGRAMMER  := iceprog
OFL_BOARD   := ice40_generic
# The SoC top for this board and its pins.
TOP         := hx8k_evn_top
PCF         := boards/hx8k-evn/hx8k-evn.pcf
# The virtual board (`sim:hx8k-evn`, mmfree-vboard --board hx8k-evn): this board's top under
# Verilator with sim/vboard_board.v; its oscillator input and UART divisor.
SIM_DEFINES := +define+BOARD_TOP=hx8k_evn_top +define+BOARD_CLK=i_clk12 +define+BOARD_NO_I2C -GDIV=4
