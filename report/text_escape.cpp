// NAME
//	text_escape 3
// SUMMARY
//	escaping for terminal, JSON and HTML output
#include "report/text_escape.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "policy/text.hpp"

namespace milter503::report {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";
constexpr std::string_view replacement = "\xef\xbf\xbd";  // U+FFFD

void append_hex(std::string& out, unsigned char c) {
    out += "\\x";
    out += hex_digits[c >> 4];
    out += hex_digits[c & 0x0f];
}

inline bool plain_ascii(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
}

// Printable ASCII that a JSON string holds as it is.
inline bool json_plain(char c) {
    return plain_ascii(c) && c != '"' && c != '\\';
}

}  // namespace

// True when every byte of `text` is printable ASCII, eight at a time:
// nearly every logged text is, and the text report is mostly such text.
bool all_plain_ascii(std::string_view text) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, text.data() + i, 8);
        // A byte >= 0x80, < 0x20 (Hacker's Delight's "has less"), or 0x7f.
        const std::uint64_t del = w ^ (ones * 0x7f);
        if (((w | ((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & highs) != 0)
            return false;
    }
    for (; i < text.size(); ++i) {
        if (!plain_ascii(text[i]))
            return false;
    }
    return true;
}

void append_terminal_safe(std::string& out, std::string_view text) {
    if (all_plain_ascii(text)) {
        out += text;
        return;
    }
    for (size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        // Bytes of the character at i that may stand as they are; 0: escape.
        const size_t len = c < 0x20 || c == 0x7f ? 0
                           : c < 0x80            ? 1
                                                 : text::utf8_sequence_length(text, i);
        // C1 controls (U+0080..U+009F) can act as escapes on some terminals.
        const bool c1_control =
            len == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0;
        if (c1_control) {
            append_hex(out, c);
            append_hex(out, static_cast<unsigned char>(text[i + 1]));
            i += 2;
        } else if (len > 0) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            append_hex(out, c);
            ++i;
        }
    }
}

std::string terminal_safe(std::string_view text) {
    std::string out;
    append_terminal_safe(out, text);
    return out;
}

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (size_t i = 0; i < text.size();) {
        // Runs of plain text go in whole: nearly every logged text is one.
        const auto run_end = std::find_if_not(text.begin() + static_cast<std::ptrdiff_t>(i),
                                              text.end(), [](char c) { return json_plain(c); });
        const auto run = static_cast<size_t>(run_end - text.begin()) - i;
        if (run > 0) {
            out.append(text.substr(i, run));
            i += run;
            continue;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '"':
                out += "\\\"";
                ++i;
                continue;
            case '\\':
                out += "\\\\";
                ++i;
                continue;
            case '\n':
                out += "\\n";
                ++i;
                continue;
            case '\r':
                out += "\\r";
                ++i;
                continue;
            case '\t':
                out += "\\t";
                ++i;
                continue;
            default:
                break;
        }
        if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out += hex_digits[c >> 4];
            out += hex_digits[c & 0x0f];
            ++i;
        } else if (const size_t len = text::utf8_sequence_length(text, i); len > 0) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out += replacement;
            ++i;
        }
    }
    out += '"';
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    for (size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default: {
                const size_t len = c < 0x20 || c == 0x7f ? 0
                                   : c < 0x80            ? 1
                                                         : text::utf8_sequence_length(text, i);
                if (len == 0) {
                    out += replacement;
                } else {
                    out.append(text.substr(i, len));
                    i += len;
                    continue;
                }
            }
        }
        ++i;
    }
    return out;
}

size_t display_width(std::string_view text) {
    size_t width = 0;
    for (size_t i = 0; i < text.size();) {
        const size_t len = text::utf8_sequence_length(text, i);
        i += len == 0 ? 1 : len;
        ++width;
    }
    return width;
}

}  // namespace milter503::report
