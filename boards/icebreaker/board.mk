# iCEBreaker: Lattice iCE40UP5K-SG48, 12 MHz oscillator on pin 35, FT2232H (A: flash, B: UART).
DEVICE      := up5k
PACKAGE     := sg48
# Core clock the SoC runs at (PLL from the 12 MHz oscillator); every engine must close timing here.
FREQ_MHZ    := 48
LINK        := uart
PROGRAMMER  := iceprog
# The SoC top for this board and its pins.
TOP         := icebreaker_top
PCF         := boards/icebreaker/icebreaker.pcf
