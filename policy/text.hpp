// NAME
//	text 3h
// SUMMARY
//	the one set of small text helpers: digits, trim, case, UTF-8
// SYNOPSIS
//	#include "policy/text.hpp"
// DESCRIPTION
//	Mail texts are bytes: ASCII keywords in replies and log lines, any
//	bytes in what a client sends. These helpers never depend on the C
//	locale (std::isspace and std::tolower do), compare ASCII letters
//	case-insensitively and leave every other byte alone.
//
//	utf8_sequence_length() is the RFC 3629 validator both the log writer
//	and the report's escaping use: overlong forms, surrogates and values
//	past U+10FFFF are not UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace milter503::text {

constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
constexpr bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool is_alnum(char c) {
    return is_digit(c) || is_alpha(c);
}
// Space, tab, CR, LF, VT, FF: what std::isspace says in the C locale.
constexpr bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
constexpr char to_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when `text` is one or more digits and nothing else.
bool all_digits(std::string_view text);

std::string_view trim(std::string_view text);
std::string to_lower_ascii(std::string_view text);
bool equal_nocase(std::string_view a, std::string_view b);
bool starts_with_nocase(std::string_view text, std::string_view prefix);
// Position of `needle` (any case) in `text` at or after `from`, or npos.
size_t find_nocase(std::string_view text, std::string_view needle, size_t from = 0);
// `phrase` (lower case) occurs in `text` in any case, not glued to a letter
// or digit on either side: "quota" is in "over quota." but not in
// "quotas" or "myquota".
bool contains_phrase(std::string_view text, std::string_view phrase);

// Length of the valid UTF-8 sequence that starts at s[i] (1 for ASCII),
// or 0 when the bytes there are not one.
size_t utf8_sequence_length(std::string_view s, size_t i);

}  // namespace milter503::text
