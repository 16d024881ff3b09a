// MRT routing information export format (RFC 6396), as RouteViews and RIPE RIS publish it,
// with the ADD-PATH subtypes of RFC 8050.
//
//   common header: timestamp(4) type(2) subtype(2) length(4) message(length)
//   _ET types (17): the message starts with a microsecond timestamp(4), counted in length
//
// BGP4MP / BGP4MP_ET (§4.4, RFC 8050 §3):
//   STATE_CHANGE(0), STATE_CHANGE_AS4(5):
//     peer_as(2|4) local_as(2|4) ifindex(2) afi(2) peer_ip(4|16) local_ip(4|16)
//     old_state(2) new_state(2)
//   MESSAGE(1), MESSAGE_AS4(4), MESSAGE_LOCAL(6), MESSAGE_AS4_LOCAL(7), and the _ADDPATH
//   variants 8..11: the same addresses, then one whole BGP message. The _AS4 subtypes
//   carry 4-octet AS numbers in the header and in the message's AS_PATH (as bgpdump reads
//   them, bgpdump_lib.c process_zebra_bgp); _LOCAL ones were sent by the local side.
// TABLE_DUMP_V2 (§4.3, RFC 8050 §4):
//   PEER_INDEX_TABLE(1): collector_id(4) view_len(2) view peer_count(2)
//     peers: type(1: bit 0 IPv6, bit 1 AS4) bgp_id(4) ip(4|16) as(2|4)
//   RIB_IPV4_UNICAST(2), RIB_IPV6_UNICAST(4), and _ADDPATH 8 and 10:
//     sequence(4) prefix_len(1) prefix entry_count(2)
//     entries: peer_index(2) originated(4) [path_id(4)] attr_len(2) attributes
//   In RIB entries, MP_REACH_NLRI holds only the next hop's length and the next hop
//   (§4.3.4); AS_PATH always has 4-octet AS numbers.
// Anything else (TABLE_DUMP v1, multicast and RIB_GENERIC, OSPF, IS-IS) is reported as
// skipped, with its type and subtype. A record cut short or malformed is reported and the
// reading goes on with the next record when its header's length can be trusted, else stops.
// Pure: views into the input, no copies of messages or attributes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bgp/wire/prefix.h"
#include "core/capture/label.h"

namespace bgpdemo::core::capture {

enum MrtType : std::uint16_t {
  kMrtTableDump = 12,
  kMrtTableDumpV2 = 13,
  kMrtBgp4mp = 16,
  kMrtBgp4mpEt = 17,
};

struct MrtHeader {
  Timestamp time;
  std::uint16_t type = 0;
  std::uint16_t subtype = 0;
  std::size_t offset = 0;  // of the record in the input
  std::size_t length = 0;  // of the whole record, header included
};

struct MrtPeers {  // the addresses of a BGP4MP record
  std::uint32_t peer_as = 0;
  std::uint32_t local_as = 0;
  std::uint16_t ifindex = 0;
  bgp::wire::IpAddress peer_ip;
  bgp::wire::IpAddress local_ip;
};

struct MrtMessage {
  MrtHeader header;
  MrtPeers peers;
  bool as4 = false;
  bool local = false;                     // sent by the local side (the collector), not the peer
  bool add_path = false;                  // RFC 8050: NLRI carry path identifiers
  std::span<const std::uint8_t> message;  // one whole BGP message
};

struct MrtStateChange {
  MrtHeader header;
  MrtPeers peers;
  std::uint16_t old_state = 0;  // RFC 6396 §4.4.1: 1 Idle .. 6 Established
  std::uint16_t new_state = 0;
};
std::string_view MrtStateName(std::uint16_t state);

struct MrtPeer {
  std::uint32_t bgp_id = 0;
  bgp::wire::IpAddress ip;
  std::uint32_t as = 0;
};

struct MrtPeerIndex {
  MrtHeader header;
  std::uint32_t collector_id = 0;
  std::string view_name;
  std::vector<MrtPeer> peers;
};

struct MrtRibEntry {
  std::uint16_t peer_index = 0;
  std::uint32_t originated = 0;  // seconds since the epoch
  std::uint32_t path_id = 0;     // RFC 8050 _ADDPATH subtypes
  std::span<const std::uint8_t> attributes;
};

struct MrtRib {
  MrtHeader header;
  std::uint32_t sequence = 0;
  bgp::wire::Prefix prefix;
  bool add_path = false;
  std::vector<MrtRibEntry> entries;
};

// What a record could not be: `message` says why, for people.
struct MrtProblem {
  MrtHeader header;
  std::string message;
  bool skipped = false;  // true: a record of a kind not read here; false: a broken record
};

// Receives each record in file order.
class MrtVisitor {
 public:
  virtual ~MrtVisitor() = default;
  virtual void Message(const MrtMessage& m) = 0;
  virtual void StateChange(const MrtStateChange& s) = 0;
  virtual void PeerIndex(const MrtPeerIndex& p) = 0;
  virtual void Rib(const MrtRib& r) = 0;
  virtual void Problem(const MrtProblem& p) = 0;
};

// Reads every record; returns the bytes read (less than data.size() when the last header
// or record was cut short, which is reported as a problem first).
std::size_t ReadMrt(std::span<const std::uint8_t> data, MrtVisitor& visitor);

// A RIB entry's attributes as an UPDATE would carry them: an abbreviated MP_REACH_NLRI
// (RFC 6396 §4.3.4) is rewritten to a whole one for `family` with no NLRI, so that the
// BGP decoder reads it; anything else is copied as it is. A full MP_REACH_NLRI (some
// writers put one) is recognised by its AFI's high byte, 0, as bgpdump does.
std::vector<std::uint8_t> RibAttributes(std::span<const std::uint8_t> attributes,
                                        bgp::wire::Afi afi);

}  // namespace bgpdemo::core::capture
