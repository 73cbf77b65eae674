// NAME
//	log_format 3
// SUMMARY
//	writer and reader of milter503's key=value log fields
// DESCRIPTION
//	See log_format.hpp for the rules. The writer validates UTF-8 itself
//	rather than trusting the locale, because the bytes come from clients.
#include "policy/log_format.hpp"

#include "policy/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace milter503::logfmt {
namespace {

constexpr std::array<char, 16> hex_digits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                             '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

bool is_bare_ascii(char c) {
    const auto u = static_cast<uint8_t>(c);
    return u > 0x20 && u < 0x7F && c != '"' && c != '\\' && c != '=';
}

bool needs_quotes(std::string_view value) {
    if (value.empty())
        return true;
    for (size_t i = 0; i < value.size();) {
        const auto u = static_cast<uint8_t>(value[i]);
        if (u < 0x80) {
            if (!is_bare_ascii(value[i]))
                return true;
            ++i;
            continue;
        }
        const size_t len = text::utf8_sequence_length(value, i);
        if (len == 0)
            return true;
        i += len;
    }
    return false;
}

void append_quoted(std::string& out, std::string_view value) {
    out += '"';
    for (size_t i = 0; i < value.size();) {
        const char c = value[i];
        const auto u = static_cast<uint8_t>(c);
        // Bytes of the character at i that may stand as they are; 0: escape.
        const size_t len = u < 0x20 || u == 0x7F ? 0
                           : u < 0x80            ? 1
                                                 : text::utf8_sequence_length(value, i);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
            ++i;
        } else if (len == 0) {
            append_hex_escape(out, static_cast<unsigned char>(u));
            ++i;
        } else {
            out.append(value.substr(i, len));
            i += len;
        }
    }
    out += '"';
}

}  // namespace

void append_hex_escape(std::string& out, unsigned char byte) {
    out += "\\x";
    out += hex_digits[byte >> 4];
    out += hex_digits[byte & 0x0F];
}

int hex_digit_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void append_value(std::string& out, std::string_view value) {
    if (needs_quotes(value)) {
        append_quoted(out, value);
    } else {
        out.append(value);
    }
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
    if (!out.empty())
        out += ' ';
    out.append(key);
    out += '=';
    append_value(out, value);
}

std::string escape_value(std::string_view value) {
    std::string out;
    append_value(out, value);
    return out;
}

std::string cut_marker(size_t dropped_bytes) {
    return "...[cut " + std::to_string(dropped_bytes) + " bytes]";
}

std::string cap_value(std::string_view value, size_t max_bytes) {
    if (value.size() <= max_bytes)
        return std::string(value);
    // Whole characters (a byte that is not UTF-8 counts as one) while they
    // and the marker for the rest fit; the start never reaches the end, as
    // the value is longer than max_bytes.
    size_t end = 0;
    while (true) {
        const size_t next = end + std::max<size_t>(text::utf8_sequence_length(value, end), 1);
        if (next + cut_marker(value.size() - next).size() > max_bytes)
            break;
        end = next;
    }
    return std::string(value.substr(0, end)) + cut_marker(value.size() - end);
}

void append_capped_field(std::string& out, std::string_view key, std::string_view value,
                         size_t max_bytes) {
    append_field(out, key, cap_value(value, max_bytes));
}

namespace {

// The first `"` or `\` at or after `from`, or text.size(). (A plain loop:
// string_view::find_first_of searches its set once per byte.)
size_t quote_or_backslash(std::string_view text, size_t from) {
    while (from < text.size() && text[from] != '"' && text[from] != '\\')
        ++from;
    return from;
}

}  // namespace

// After the opening quote; leaves pos_ past the closing one. A value
// without `\\` is a view into the text; one with escapes is decoded.
bool FieldScanner::read_quoted(std::string_view& value) {
    const size_t start = pos_;
    const size_t stop = quote_or_backslash(text_, start);
    if (stop == text_.size())
        return false;  // no closing quote: a truncated line
    if (text_[stop] == '"') {
        value = text_.substr(start, stop - start);
        pos_ = stop + 1;
        return true;
    }
    decoded_.assign(text_.substr(start, stop - start));
    pos_ = stop;
    while (pos_ < text_.size()) {
        const char c = text_[pos_++];
        if (c == '"') {
            value = decoded_;
            return true;
        }
        if (c != '\\') {
            // The run up to the next quote or backslash, in one piece.
            const size_t run_end = quote_or_backslash(text_, pos_);
            decoded_ += c;
            decoded_.append(text_.substr(pos_, run_end - pos_));
            pos_ = run_end;
            continue;
        }
        if (pos_ >= text_.size())
            return false;
        const char escaped = text_[pos_++];
        if (escaped == '"' || escaped == '\\') {
            decoded_ += escaped;
        } else if (escaped == 'x' && pos_ + 2 <= text_.size()) {
            const int hi = hex_digit_value(text_[pos_]);
            const int lo = hex_digit_value(text_[pos_ + 1]);
            if (hi < 0 || lo < 0)
                return false;
            decoded_ += static_cast<char>(hi * 16 + lo);
            pos_ += 2;
        } else {
            return false;
        }
    }
    return false;
}

bool FieldScanner::next(std::string_view& key, std::string_view& value) {
    while (pos_ < text_.size() && text_[pos_] == ' ')
        ++pos_;
    if (malformed_ || pos_ >= text_.size())
        return false;
    const size_t eq = text_.find('=', pos_);
    if (eq == std::string_view::npos || eq == pos_ ||
        text_.substr(pos_, eq - pos_).find(' ') != std::string_view::npos) {
        malformed_ = true;
        return false;
    }
    key = text_.substr(pos_, eq - pos_);
    pos_ = eq + 1;
    if (pos_ < text_.size() && text_[pos_] == '"') {
        ++pos_;
        if (!read_quoted(value)) {
            malformed_ = true;
            return false;
        }
        return true;
    }
    size_t end = text_.find(' ', pos_);
    if (end == std::string_view::npos)
        end = text_.size();
    value = text_.substr(pos_, end - pos_);
    pos_ = end;
    return true;
}

std::optional<Fields> parse_fields(std::string_view text) {
    Fields fields;
    FieldScanner scanner(text);
    std::string_view key;
    std::string_view value;
    while (scanner.next(key, value))
        fields.emplace_back(std::string(key), std::string(value));
    if (scanner.malformed())
        return std::nullopt;
    return fields;
}

const std::string* find_field(const Fields& fields, std::string_view key) {
    for (const auto& [name, value] : fields) {
        if (name == key)
            return &value;
    }
    return nullptr;
}

}  // namespace milter503::logfmt
