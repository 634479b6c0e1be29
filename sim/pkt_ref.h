// pkt_ref.h: a packet of docs/protocol.md built the plain way, with zlib's crc32(): the reference
// the link testbenches compare the RTL against.
#ifndef MMF_PKT_REF_H
#define MMF_PKT_REF_H

#include <cstdint>
#include <vector>
#include <zlib.h>

static inline std::vector<uint8_t> pkt_ref_encode(uint8_t type, uint8_t seq, const std::vector<uint8_t> &payload)
{
	std::vector<uint8_t> b = {0xA5, 0x5A, type, seq, (uint8_t)payload.size(), (uint8_t)(payload.size() >> 8)};
	b.push_back((uint8_t)(0xFF ^ b[2] ^ b[3] ^ b[4] ^ b[5]));
	b.insert(b.end(), payload.begin(), payload.end());
	uint32_t c = (uint32_t)crc32(0, b.data() + 2, (uInt)(b.size() - 2));
	for (int i = 0; i < 4; i++)
		b.push_back((uint8_t)(c >> (8 * i)));
	return b;
}

#endif
