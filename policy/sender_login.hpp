// NAME
//	sender_login 3h
// SUMMARY
//	who owns a sender address: Postfix smtpd_sender_login_maps semantics
// SYNOPSIS
//	#include "policy/sender_login.hpp"
// DESCRIPTION
//	SenderLoginMap reads the text form of a Postfix lookup table (the file
//	given to postmap): `key value` lines, `#` comments, leading-whitespace
//	continuation lines; keys `user@domain`, `user`, `@domain`; the value a
//	list of SASL logins separated by commas and/or whitespace.
//
//	owner lookup follows Postfix's check_sender_login/login_sender_match:
//	the whole address first, then (recipient_delimiter `+` stripped) the
//	address without extension, then `user` alone when the domain is local,
//	then `@domain`. Keys and logins compare case-insensitively. The null
//	sender `<>` is looked up as `` and is owned by nobody in the map.
//
//	Without a map (Postfix would then reject nothing): a login owns the
//	address equal to it, or its local part in a LocalDomains domain.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace milter503::policy {

class DomainSet;

struct MapError {
    std::string file;
    unsigned line = 0;
    std::string message;
};

class SenderLoginMap {
  public:
    // Parses map text; `file` only names the source in errors.
    static std::optional<SenderLoginMap> parse(std::string_view text, std::string_view file,
                                               MapError* error);
    // The logins listed for the first key that matches, or nullptr.
    // Extensions are split at `+`.
    const std::vector<std::string>* owners(std::string_view sender,
                                           const DomainSet& local_domains) const;
    // The same with the MTA's recipient_delimiter ('\0': no extensions).
    const std::vector<std::string>* owners(std::string_view sender, const DomainSet& local_domains,
                                           char recipient_delimiter) const;
    size_t size() const { return entries_.size(); }

  private:
    std::unordered_map<std::string, std::vector<std::string>> entries_;
};

// True when `login` may send as `sender`. `map` may be null (no map).
// Always true for the null sender: Postfix's reject_*_sender_login_mismatch
// skip an empty sender.
bool login_owns_sender(std::string_view login, std::string_view sender, const SenderLoginMap* map,
                       const DomainSet& local_domains, char recipient_delimiter = '+');

}  // namespace milter503::policy
