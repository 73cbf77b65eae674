// NAME
//	address 3
// SUMMARY
//	envelope and header address helpers
// DESCRIPTION
//	The envelope argument comes from libmilter as the client wrote it
//	(Postfix passes `<addr>`, ESMTP parameters in later argv entries, but
//	other MTAs and tests may pass them joined), so strip_angle() accepts
//	both and honours quoted local parts that hold `>` or spaces.
#include "policy/address.hpp"

#include "policy/text.hpp"

namespace milter503::policy {
namespace {

// End of the address that starts at text[0]: the first unquoted `>`
// (inside angles) or unquoted space (bare address).
size_t address_end(std::string_view text, char stop) {
    bool quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted && c == '\\' && i + 1 < text.size()) {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == stop || (stop == ' ' && text::is_space(c)))) {
            return i;
        }
    }
    return text.size();
}

// RFC 5321 source route "@a,@b:user@d": only the mailbox after the
// last ':' is an address; Postfix drops the route the same way.
std::string_view drop_source_route(std::string_view address) {
    if (address.empty() || address.front() != '@')
        return address;
    const size_t colon = address.find(':');
    return colon == std::string_view::npos ? address : address.substr(colon + 1);
}

}  // namespace

std::string strip_angle(std::string_view envelope_arg) {
    std::string_view text = text::trim(envelope_arg);
    if (!text.empty() && text.front() == '<') {
        text.remove_prefix(1);
        text = text.substr(0, address_end(text, '>'));
    } else {
        text = text.substr(0, address_end(text, ' '));
    }
    return std::string(drop_source_route(text::trim(text)));
}

AddressParts split_address(std::string_view address) {
    const size_t at = address.rfind('@');
    if (at == std::string_view::npos)
        return {std::string(address), {}};
    std::string_view domain = address.substr(at + 1);
    while (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    return {std::string(address.substr(0, at)), text::to_lower_ascii(domain)};
}

bool same_address(std::string_view a, std::string_view b) {
    const AddressParts pa = split_address(a);
    const AddressParts pb = split_address(b);
    return text::to_lower_ascii(pa.local) == text::to_lower_ascii(pb.local) &&
           pa.domain == pb.domain &&
           (a.find('@') == std::string_view::npos) == (b.find('@') == std::string_view::npos);
}

}  // namespace milter503::policy
