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

// RFC 5322 3.2.3 atext; bytes of UTF-8 characters count too (RFC 6531).
bool is_atext(char c) {
    constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return text::is_alnum(c) || static_cast<unsigned char>(c) >= 0x80 ||
           specials.find(c) != std::string_view::npos;
}

// RFC 5321 Dot-string: atoms of atext joined by single dots.
bool is_dot_string(std::string_view value) {
    if (value.empty() || value.front() == '.' || value.back() == '.' ||
        value.find("..") != std::string_view::npos) {
        return false;
    }
    for (char c : value) {
        if (c != '.' && !is_atext(c))
            return false;
    }
    return true;
}

// The value of a local part: quotes dropped, quoted-pairs undone. Quoted
// words may be mixed with bare ones (RFC 5322 obs-local-part,
// `"john".doe`); an unterminated quote runs to the end.
std::string unquote_local_part(std::string_view local) {
    std::string value;
    bool quoted = false;
    for (size_t i = 0; i < local.size(); ++i) {
        const char c = local[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (quoted && c == '\\' && i + 1 < local.size()) {
            value += local[++i];
        } else {
            value += c;
        }
    }
    return value;
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

std::string canonical_local_part(std::string_view local) {
    std::string value = unquote_local_part(local);
    if (is_dot_string(value))
        return value;
    std::string quoted = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\')
            quoted += '\\';
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

std::string canonical_address(std::string_view address) {
    const AddressParts parts = split_address(address);
    std::string out = canonical_local_part(parts.local);
    if (address.find('@') != std::string_view::npos) {
        out += '@';
        out += parts.domain;
    }
    return out;
}

bool same_address(std::string_view a, std::string_view b) {
    return text::to_lower_ascii(canonical_address(a)) == text::to_lower_ascii(canonical_address(b));
}

}  // namespace milter503::policy
