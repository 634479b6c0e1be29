# iCEBreaker: Lattice iCE40UP5K-SG48, 12 MHz oscillator on pin 35, FT2232H (A: flash, B: UART).
DEVICE      := up5k
PACKAGE     := sg48
# Core clock the SoC runs at (PLL from the 12 MHz oscillator); every engine must close timing here.
FREQ_MHZ    := 48
LINK        := uart
# How `make prog` and `mmfree flash` program it (docs/boards.md): PROGRAMMER runs by default; with
# openFPGALoader, OFL_BOARD is its -b name: its generic iCE40 FT2232H entry is the iCEBreaker's wiring
# (it has no "icebreaker" entry).
PROGRAMMER  := iceprog
OFL_BOARD   := ice40_generic
# The SoC top for this board and its pins.
TOP         := icebreaker_top
PCF         := boards/icebreaker/icebreaker.pcf
# INFO's git revision in a spare block RAM, written after place and route (scripts/bitstream.sh), so
# that the placement does not change with every commit
REV_EBR     := yes
# The virtual board (`sim:icebreaker`, mmfree-vboard --board icebreaker): this board's top under
# Verilator with sim/vboard_board.v; its oscillator input and UART divisor.
SIM_DEFINES := +define+BOARD_TOP=icebreaker_top +define+BOARD_CLK=i_clk12 -GDIV=4
