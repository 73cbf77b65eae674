// NAME
//	address 3h
// SUMMARY
//	envelope and header address helpers
// SYNOPSIS
//	#include "policy/address.hpp"
// DESCRIPTION
//	strip_angle() removes the <> around an envelope argument and any ESMTP
//	parameters after it. split_address() splits at the last `@`. Domains
//	compare case-insensitively, local parts as Postfix does by default
//	(case-insensitively too: Postfix folds lookup keys to lower case).
#pragma once

#include <string>
#include <string_view>

namespace milter503::policy {

// "<bob@example.test> SIZE=100" -> "bob@example.test"; "<>" -> "".
std::string strip_angle(std::string_view envelope_arg);

struct AddressParts {
    std::string local;   // as written
    std::string domain;  // lower-cased, without a trailing dot
};

// No `@`: local = whole address, domain empty.
AddressParts split_address(std::string_view address);

// The value of a local part, quotes and quoted-pairs undone, written
// bare when it is a Dot-string and as a minimal Quoted-string otherwise.
std::string canonical_local_part(std::string_view local);

// canonical_local_part() of the local part, `@`, the domain as
// split_address() gives it; an address without `@` is a local part alone.
std::string canonical_address(std::string_view address);

// Same mailbox, ignoring case and quoting (see DESCRIPTION).
bool same_address(std::string_view a, std::string_view b);

}  // namespace milter503::policy
