// NAME
//	text 3
// SUMMARY
//	digits, trim, ASCII case and the UTF-8 validator
#include "policy/text.hpp"

#include <cstdint>

namespace milter503::text {

bool all_digits(std::string_view text) {
    if (text.empty())
        return false;
    for (char c : text) {
        if (!is_digit(c))
            return false;
    }
    return true;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

std::string to_lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = to_lower(c);
    return out;
}

bool equal_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (to_lower(a[i]) != to_lower(b[i]))
            return false;
    }
    return true;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && equal_nocase(text.substr(0, prefix.size()), prefix);
}

size_t find_nocase(std::string_view text, std::string_view needle, size_t from) {
    if (needle.empty())
        return from <= text.size() ? from : std::string_view::npos;
    for (size_t i = from; i + needle.size() <= text.size(); ++i) {
        if (to_lower(text[i]) == to_lower(needle[0]) &&
            equal_nocase(text.substr(i, needle.size()), needle)) {
            return i;
        }
    }
    return std::string_view::npos;
}

bool contains_phrase(std::string_view text, std::string_view phrase) {
    for (size_t at = find_nocase(text, phrase); at != std::string_view::npos;
         at = find_nocase(text, phrase, at + 1)) {
        const size_t end = at + phrase.size();
        const bool open_before = at == 0 || !is_alnum(text[at - 1]) || !is_alnum(phrase.front());
        const bool open_after =
            end == text.size() || !is_alnum(text[end]) || !is_alnum(phrase.back());
        if (open_before && open_after)
            return true;
    }
    return false;
}

size_t utf8_sequence_length(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<std::uint8_t>(s[k]); };
    const std::uint8_t lead = byte(i);
    if (lead < 0x80)
        return 1;
    size_t len = 0;
    std::uint8_t min_second = 0x80;
    std::uint8_t max_second = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3;
        if (lead == 0xE0)
            min_second = 0xA0;
        if (lead == 0xED)
            max_second = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4;
        if (lead == 0xF0)
            min_second = 0x90;
        if (lead == 0xF4)
            max_second = 0x8F;
    } else {
        return 0;
    }
    if (i + len > s.size())
        return 0;
    if (byte(i + 1) < min_second || byte(i + 1) > max_second)
        return 0;
    for (size_t k = 2; k < len; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF)
            return 0;
    }
    return len;
}

}  // namespace milter503::text
