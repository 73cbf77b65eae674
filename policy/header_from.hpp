// NAME
//	header_from 3h
// SUMMARY
//	parse a From: header into display name and address
// SYNOPSIS
//	#include "policy/header_from.hpp"
// DESCRIPTION
//	Handles the forms clients really send: `Name <a@b>`, `"Quoted, Name"
//	<a@b>`, `a@b`, `a@b (Comment Name)`, RFC 2047 encoded words left as
//	they are, folded lines. Bounded work on any input: it never throws and
//	never recurses on client data.
#pragma once

#include <string>
#include <string_view>

namespace milter503::policy {

struct HeaderFrom {
    std::string display_name;  // unquoted, may be empty
    std::string address;       // without <>, may be empty when unparsable
    bool display_name_quoted = false;
};

HeaderFrom parse_header_from(std::string_view value);

// The characters in a display name that are known to trip clients and
// servers (apostrophe, other RFC 5322 specials). Empty when none.
// Judges the name as written without quotes (see the overload).
std::string special_characters(std::string_view display_name);

// The same, knowing whether the client quoted the name: inside quotes a
// comma or other special is harmless, so only the apostrophe, `"` and `\`
// are reported (HeaderFrom::display_name_quoted gives `quoted`).
std::string special_characters(std::string_view display_name, bool quoted);

}  // namespace milter503::policy
