// NAME
//	text_escape 3h
// SUMMARY
//	make client-controlled bytes safe for a terminal, JSON and HTML
// SYNOPSIS
//	#include "report/text_escape.hpp"
// DESCRIPTION
//	Client names, HELOs, addresses and reject texts come from the
//	network. Before they reach an output:
//	  terminal_safe()  keeps valid UTF-8, writes control bytes, DEL and
//	                   invalid bytes as \xHH (no escape sequence reaches
//	                   the terminal)
//	  append_json_string()  writes a JSON string literal: `"` `\` and
//	                   controls escaped, invalid UTF-8 as U+FFFD, so the
//	                   document is valid UTF-8 JSON
//	  html_escape()    & < > " ' as entities, controls and invalid UTF-8
//	                   as U+FFFD
//	What is valid UTF-8 is text::utf8_sequence_length()'s (RFC 3629: no
//	overlongs, surrogates or values past U+10FFFF).
#pragma once

#include <string>
#include <string_view>

namespace milter503::report {

std::string terminal_safe(std::string_view text);
void append_terminal_safe(std::string& out, std::string_view text);
// Every byte printable ASCII (0x20..0x7e): the text needs no escaping.
bool all_plain_ascii(std::string_view text);
void append_json_string(std::string& out, std::string_view text);
std::string html_escape(std::string_view text);

// Display width in columns, counting each UTF-8 sequence as one column.
size_t display_width(std::string_view text);

}  // namespace milter503::report
