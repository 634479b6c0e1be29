# UPduino v3: Lattice iCE40UP5K-SG48, FT232H (one channel, MPSSE SPI master on the flash's lines).
DEVICE      := up5k
PACKAGE     := sg48
# Core clock: the UP5K's internal oscillator (SB_HFOSC, 48 MHz nominal); the board's 12 MHz
# oscillator reaches the FPGA only through the OSC jumper, and an SPI link does not need an exact clock.
FREQ_MHZ    := 48
LINK        := spi
PROGRAMMER  := iceprog
# The SoC top for this board and its pins.
TOP         := upduino3_top
PCF         := boards/upduino3/upduino3.pcf
# The virtual board (`sim:upduino3`, mmfree-vboard --board upduino3): this board's top under Verilator
# with sim/vboard_spi.v, the host's SPI master at the FT232H's 10 MHz SCK; the oscillator model takes
# the simulation's clock by name.
SIM_TOP     := vboard_spi
SIM_DEFINES := +define+BOARD_TOP=upduino3_top +define+VBOARD_OSC=vboard_spi.i_clk -GSCK_HZ=10000000
