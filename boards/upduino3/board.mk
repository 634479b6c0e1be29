# UPduino v3: Lattice iCE40UP5K-SG48, FT232H (one channel, MPSSE SPI master on the flash's lines).
DEVICE      := up5k
PACKAGE     := sg48
# Core clock: the UP5K's internal oscillator (SB_HFOSC, 48 MHz nominal); the board's 12 MHz
# oscillator reaches the FPGA only through the OSC jumper, and an SPI link does not need an exact clock.
FREQ_MHZ    := 48
LINK        := spi
# How `make prog` and `mmfree flash` program it (docs/boards.md): PROGRAMMER runs by default; with
# openFPGALoader, OFL_BOARD is its -b name and OFL_CABLE its -c: the generic iCE40 entry has the
# UPduino's pins (CRESET ADBUS7, CDONE ADBUS6, flash select ADBUS4), but its cable is the FT2232H, and
# the UPduino's bridge is an FT232H.
PROGRAMMER  := iceprog
OFL_BOARD   := ice40_generic
OFL_CABLE   := ft232
# The SoC top for this board and its pins.
TOP         := upduino3_top
PCF         := boards/upduino3/upduino3.pcf
# INFO's git revision in a spare block RAM, written after place and route (scripts/bitstream.sh), so
# that the placement does not change with every commit
REV_EBR     := yes
# The virtual board (`sim:upduino3`, mmfree-vboard --board upduino3): this board's top under Verilator
# with sim/vboard_spi.v, the host's SPI master at the FT232H's 10 MHz SCK; the oscillator model takes
# the simulation's clock by name.
SIM_TOP     := vboard_spi
SIM_DEFINES := +define+BOARD_TOP=upduino3_top +define+VBOARD_OSC=vboard_spi.i_clk -GSCK_HZ=10000000
