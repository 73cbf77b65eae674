// NAME
//	network 3
// SUMMARY
//	IPv4/IPv6 address parsing and CIDR matching
// DESCRIPTION
//	Parsing uses inet_pton(3) (pure text conversion, no socket). The text
//	forms MTAs and admins write around an address are removed first:
//	Sendmail's `IPv6:` prefix and Postfix's `[...]` brackets.
//
//	IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are compared as IPv4,
//	both as client address and as network, so `192.0.2.0/24` matches a
//	client the MTA reports as `::ffff:192.0.2.7`, as Postfix does.
#include "policy/network.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace milter503::policy {
namespace {

constexpr std::string_view ipv6_prefix = "ipv6:";
constexpr std::array<uint8_t, 12> mapped_prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size())
        return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i])
            return false;
    }
    return true;
}

// "[x]" -> "x"; "IPv6:x" -> "x". nullopt for an unbalanced bracket.
std::optional<std::string_view> unwrap(std::string_view text) {
    if (!text.empty() && text.front() == '[') {
        if (text.size() < 2 || text.back() != ']')
            return std::nullopt;
        text = text.substr(1, text.size() - 2);
    }
    if (starts_with_nocase(text, ipv6_prefix))
        text.remove_prefix(ipv6_prefix.size());
    return text;
}

bool is_mapped(const IpAddress& address) {
    return address.v6 && std::memcmp(address.bytes.data(), mapped_prefix.data(), 12) == 0;
}

// The IPv4 form of a mapped address, otherwise the address itself.
IpAddress canonical(const IpAddress& address) {
    if (!is_mapped(address))
        return address;
    IpAddress v4;
    std::memcpy(v4.bytes.data(), address.bytes.data() + 12, 4);
    return v4;
}

// A mapped network ::ffff:a.b.c.d/96+n is the IPv4 network a.b.c.d/n.
Cidr canonical(const Cidr& cidr) {
    if (!is_mapped(cidr.network) || cidr.prefix_len < 96)
        return cidr;
    return Cidr{canonical(cidr.network), cidr.prefix_len - 96};
}

bool prefix_equal(const IpAddress& a, const IpAddress& b, unsigned bits) {
    const unsigned full = bits / 8;
    if (std::memcmp(a.bytes.data(), b.bytes.data(), full) != 0)
        return false;
    const unsigned rest = bits % 8;
    if (rest == 0)
        return true;
    const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
    return (a.bytes[full] & mask) == (b.bytes[full] & mask);
}

bool host_bits_clear(const IpAddress& address, unsigned prefix_len) {
    const unsigned total = address.v6 ? 128 : 32;
    for (unsigned bit = prefix_len; bit < total; ++bit) {
        if (address.bytes[bit / 8] & (0x80 >> (bit % 8)))
            return false;
    }
    return true;
}

void set_error(std::string* error, std::string message) {
    if (error)
        *error = std::move(message);
}

std::optional<unsigned> parse_prefix_len(std::string_view text) {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || text.size() > 3 || result.ec != std::errc() || result.ptr != end) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
    const auto bare = unwrap(text);
    if (!bare || bare->empty() || bare->size() > 64)
        return std::nullopt;
    const std::string copy(*bare);  // inet_pton needs a terminated string
    IpAddress address;
    if (copy.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) != 1)
            return std::nullopt;
    } else {
        if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) != 1)
            return std::nullopt;
        address.v6 = true;
    }
    return address;
}

std::optional<Cidr> parse_cidr(std::string_view text, std::string* error) {
    const size_t slash = text.find('/');
    const std::string_view address_text = text.substr(0, slash);
    const auto address = parse_ip(address_text);
    if (!address) {
        set_error(error, "not an IPv4 or IPv6 address: \"" + std::string(address_text) + "\"");
        return std::nullopt;
    }
    const unsigned max_len = address->v6 ? 128 : 32;
    unsigned prefix_len = max_len;
    if (slash != std::string_view::npos) {
        const auto parsed = parse_prefix_len(text.substr(slash + 1));
        if (!parsed || *parsed > max_len) {
            set_error(error, "bad prefix length \"" + std::string(text.substr(slash + 1)) +
                                 "\" (0-" + std::to_string(max_len) + ")");
            return std::nullopt;
        }
        prefix_len = *parsed;
    }
    if (!host_bits_clear(*address, prefix_len)) {
        set_error(error, "host bits set under the /" + std::to_string(prefix_len) +
                             " mask (write the network address)");
        return std::nullopt;
    }
    return Cidr{*address, prefix_len};
}

bool NetworkList::contains(const IpAddress& address) const {
    const IpAddress client = canonical(address);
    for (const auto& entry : networks_) {
        const Cidr network = canonical(entry);
        if (network.network.v6 != client.v6)
            continue;
        if (prefix_equal(network.network, client, network.prefix_len))
            return true;
    }
    return false;
}

bool NetworkList::contains(std::string_view address_text) const {
    const auto address = parse_ip(address_text);
    return address && contains(*address);
}

const NetworkList& non_public_networks() {
    static const NetworkList list = [] {
        NetworkList networks;
        for (const char* cidr :
             {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "127.0.0.0/8", "::1/128",
              "169.254.0.0/16", "fe80::/10", "100.64.0.0/10", "0.0.0.0/8"}) {
            networks.add(*parse_cidr(cidr));
        }
        return networks;
    }();
    return list;
}

}  // namespace milter503::policy
