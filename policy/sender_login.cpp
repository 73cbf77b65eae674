// NAME
//	sender_login 3
// SUMMARY
//	smtpd_sender_login_maps semantics without Postfix
// DESCRIPTION
//	Followed from the Postfix sources (3.x):
//	- smtpd/smtpd_check.c, reject_auth_sender_login_mismatch() and
//	  reject_unauth_sender_login_mismatch(): both run only for a non-empty
//	  sender, so the null sender is never a mismatch. The owners found for
//	  the sender are split at ", \t\r\n" and compared to the SASL login
//	  with strcasecmp(). An authenticated login that is not listed, or a
//	  sender that has no entry at all, is "not owned by user LOGIN"; an
//	  unauthenticated client is refused ("not logged in") as soon as the
//	  sender has any entry.
//	- global/mail_addr_find.c with the default strategy (full, noext,
//	  localpart_if_local, at_domain): `user+ext@domain`, `user@domain`,
//	  then, only for a local domain, `user+ext` and `user`, then
//	  `@domain`. Keys are folded to lower case (DICT_FLAG_FOLD_FIX).
//	- global/split_addr.c: the extension starts at the first delimiter;
//	  postmaster, mailer-daemon and double-bounce are never split, nor
//	  owner-* and *-request when the delimiter is `-`
//	  (owner_request_special = yes); a local part that starts with the
//	  delimiter is not split.
//	Postfix calls a domain local when it is $myorigin, in $mydestination or
//	an interface address; the milter cannot see those, so LocalDomains
//	stands in for them.
//
//	(global/login_sender_match.c, for local_login_sender_maps, maps the
//	other way round, login to sender patterns; it is not what smtpd uses.)
#include "policy/sender_login.hpp"

#include "policy/text.hpp"

#include "policy/address.hpp"
#include "policy/settings.hpp"

namespace milter503::policy {
namespace {

constexpr std::string_view login_separators = ", \t\r\n";

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

std::vector<std::string> split_logins(std::string_view value) {
    std::vector<std::string> logins;
    size_t pos = 0;
    while (pos < value.size()) {
        const size_t start = value.find_first_not_of(login_separators, pos);
        if (start == std::string_view::npos)
            break;
        size_t end = value.find_first_of(login_separators, start);
        if (end == std::string_view::npos)
            end = value.size();
        logins.emplace_back(value.substr(start, end - start));
        pos = end;
    }
    return logins;
}

// split_addr.c: the local part without extension, or nullopt when it has
// none or must not be split.
std::optional<std::string> strip_extension(std::string_view local, char delimiter) {
    if (delimiter == '\0')
        return std::nullopt;
    const std::string lower = text::to_lower_ascii(local);
    if (lower == "postmaster" || lower == "mailer-daemon" || lower == "double-bounce") {
        return std::nullopt;
    }
    if (delimiter == '-' && (lower.starts_with("owner-") || lower.ends_with("-request"))) {
        return std::nullopt;
    }
    const size_t at = local.find(delimiter);
    if (at == 0 || at == std::string_view::npos)
        return std::nullopt;
    return std::string(local.substr(0, at));
}

// The mail_addr_find() keys for `sender`, in lookup order.
std::vector<std::string> lookup_keys(std::string_view sender, const DomainSet& local_domains,
                                     char delimiter) {
    const bool has_domain = sender.find('@') != std::string_view::npos;
    const AddressParts parts = split_address(sender);
    const std::string local = text::to_lower_ascii(parts.local);
    const auto bare = strip_extension(local, delimiter);
    const std::string at_domain = has_domain ? "@" + parts.domain : std::string();
    std::vector<std::string> keys{local + at_domain};
    if (bare)
        keys.push_back(*bare + at_domain);
    if (has_domain && local_domains.contains(parts.domain)) {
        keys.push_back(local);
        if (bare)
            keys.push_back(*bare);
    }
    if (has_domain)
        keys.push_back(at_domain);
    return keys;
}

void set_error(MapError* error, std::string_view file, unsigned line, std::string message) {
    if (!error)
        return;
    error->file = std::string(file);
    error->line = line;
    error->message = std::move(message);
}

struct LogicalLine {
    unsigned number = 0;
    std::string text;
};

// postmap(1) input: `#` comment and blank lines are skipped; a line that
// starts with whitespace continues the previous one.
bool join_lines(std::string_view text, std::string_view file, MapError* error,
                std::vector<LogicalLine>& lines) {
    unsigned number = 0;
    while (!text.empty()) {
        const size_t newline = text.find('\n');
        const std::string_view physical = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        ++number;
        const std::string_view content = text::trim(physical);
        if (content.empty() || content.front() == '#')
            continue;
        if (!is_blank(physical.front())) {
            lines.push_back({number, std::string(content)});
        } else if (lines.empty()) {
            set_error(error, file, number, "continuation line without a key before it");
            return false;
        } else {
            lines.back().text += ' ';
            lines.back().text += content;
        }
    }
    return true;
}

}  // namespace

std::optional<SenderLoginMap> SenderLoginMap::parse(std::string_view text, std::string_view file,
                                                    MapError* error) {
    std::vector<LogicalLine> lines;
    if (!join_lines(text, file, error, lines))
        return std::nullopt;
    SenderLoginMap map;
    for (const auto& line : lines) {
        const size_t split = line.text.find_first_of(" \t");
        const std::string key = text::to_lower_ascii(line.text.substr(0, split));
        if (key.front() == '/') {
            set_error(error, file, line.number,
                      "regular expression keys are not supported: list addresses, users or "
                      "@domains");
            return std::nullopt;
        }
        auto logins = split_logins(split == std::string::npos ? "" : line.text.substr(split));
        if (logins.empty()) {
            set_error(error, file, line.number,
                      "expected \"key login[, login...]\", got no login for \"" + key + "\"");
            return std::nullopt;
        }
        // postmap keeps the first of duplicate keys (with a warning).
        map.entries_.try_emplace(key, std::move(logins));
    }
    return map;
}

const std::vector<std::string>* SenderLoginMap::owners(std::string_view sender,
                                                       const DomainSet& local_domains) const {
    return owners(sender, local_domains, '+');
}

const std::vector<std::string>* SenderLoginMap::owners(std::string_view sender,
                                                       const DomainSet& local_domains,
                                                       char recipient_delimiter) const {
    if (sender.empty())
        return nullptr;
    for (const auto& key : lookup_keys(sender, local_domains, recipient_delimiter)) {
        if (key.empty())
            continue;
        if (const auto found = entries_.find(key); found != entries_.end())
            return &found->second;
    }
    return nullptr;
}

bool login_owns_sender(std::string_view login, std::string_view sender, const SenderLoginMap* map,
                       const DomainSet& local_domains, char recipient_delimiter) {
    if (sender.empty())
        return true;  // Postfix never checks the null sender
    if (login.empty())
        return false;
    if (map) {
        const auto* logins = map->owners(sender, local_domains, recipient_delimiter);
        if (!logins)
            return false;
        for (const auto& owner : *logins) {
            if (text::equal_nocase(owner, login))
                return true;
        }
        return false;
    }
    // No map: the login is the address itself or, in a local domain, its
    // local part (with or without extension).
    const std::string wanted = text::to_lower_ascii(login);
    const bool login_is_address = wanted.find('@') != std::string::npos;
    for (const auto& key : lookup_keys(sender, local_domains, recipient_delimiter)) {
        if (key.empty() || key.front() == '@')
            continue;
        const bool key_is_address = key.find('@') != std::string::npos;
        if (key_is_address == login_is_address && key == wanted)
            return true;
    }
    return false;
}

}  // namespace milter503::policy
