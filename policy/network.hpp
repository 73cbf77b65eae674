// NAME
//	network 3h
// SUMMARY
//	IPv4 and IPv6 addresses and CIDR lists, like Postfix mynetworks
// SYNOPSIS
//	#include "policy/network.hpp"
// DESCRIPTION
//	parse_cidr() accepts `192.0.2.0/24`, `10.1.2.3`, `::1`, `[::1]/128`,
//	`2001:db8::/32`, and Sendmail's `IPv6:` address prefix. A bare address
//	is a host route. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) matches
//	the IPv4 networks, as Postfix does. Host bits set under the mask are an
//	error (Postfix warns about them; we refuse them in the config check).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace milter503::policy {

struct IpAddress {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};  // v4 uses the first 4
};

// Parses a client address as the MTA gives it ({client_addr}); accepts the
// `IPv6:` prefix. nullopt when it is not an address.
std::optional<IpAddress> parse_ip(std::string_view text);

struct Cidr {
    IpAddress network;
    unsigned prefix_len = 0;
};

// nullopt and `error` set (human text) when `text` is not a network.
std::optional<Cidr> parse_cidr(std::string_view text, std::string* error = nullptr);

class NetworkList {
  public:
    void add(const Cidr& cidr) { networks_.push_back(cidr); }
    bool contains(const IpAddress& address) const;
    // False for text that is not an address.
    bool contains(std::string_view address_text) const;
    bool empty() const { return networks_.empty(); }

  private:
    std::vector<Cidr> networks_;
};

// Addresses not on the public Internet: RFC 1918 and IPv6 ULA
// (fc00::/7), loopback, link-local (169.254/16, fe80::/10), shared
// (RFC 6598, carrier-grade NAT) and "this network" (0.0.0.0/8). The one
// list of them: the NAT gateway rule and the client-kind HELO rule read
// it.
const NetworkList& non_public_networks();

}  // namespace milter503::policy
