// NAME
//	header_from 3
// SUMMARY
//	From: header parsing for the header checks
// DESCRIPTION
//	One forward scan with a small state (inside quotes, comment depth)
//	classifies every byte; nothing recurses and the work is linear in the
//	input, which is cut at max_header_bytes. Unbalanced quotes, comments or
//	angle brackets run to the end of the input instead of failing.
//
//	The first mailbox wins. When the value has an angle address anywhere
//	at the top level, that is the address and everything before it the
//	display name, even if the name holds an unquoted comma ("Smith, John
//	<j@x>" is invalid but common). Otherwise the first comma-separated
//	addr-spec is the address and its comment, if any, the display name
//	(`a@b (Name)`).
#include "policy/header_from.hpp"

#include "policy/text.hpp"

#include "policy/address.hpp"

namespace milter503::policy {
namespace {

// Postfix's default header_size_limit is 102400; a From: header with a
// sane first mailbox is far shorter, so the rest is not looked at.
constexpr size_t max_header_bytes = 8192;

enum class Ctx { plain, quoted, comment, syntax };

// Calls f(index, byte, context) for every byte of `text` until f returns
// false. `syntax` marks quote marks, comment parentheses and the
// backslash of a quoted pair; the byte after such a backslash gets the
// context of the quoted string or comment it is in.
template <typename F>
void walk(std::string_view text, F&& f) {
    bool quoted = false;
    unsigned depth = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        Ctx ctx = quoted ? Ctx::quoted : depth > 0 ? Ctx::comment : Ctx::plain;
        if ((quoted || depth > 0) && c == '\\' && i + 1 < text.size()) {
            if (!f(i, c, Ctx::syntax))
                return;
            ++i;
            if (!f(i, text[i], ctx))
                return;
            continue;
        }
        if (!quoted && c == '(') {
            ++depth;
            ctx = depth == 1 ? Ctx::syntax : Ctx::comment;
        } else if (!quoted && depth > 0 && c == ')') {
            --depth;
            ctx = depth == 0 ? Ctx::syntax : Ctx::comment;
        } else if (depth == 0 && c == '"') {
            quoted = !quoted;
            ctx = Ctx::syntax;
        }
        if (!f(i, c, ctx))
            return;
    }
}

// Folded lines: drop CR and LF; the folding whitespace after them stays.
std::string unfold(std::string_view value) {
    std::string out;
    out.reserve(std::min(value.size(), max_header_bytes));
    for (char c : value.substr(0, max_header_bytes)) {
        if (c != '\r' && c != '\n')
            out += c;
    }
    return out;
}

// Position of the first byte `wanted` in plain context, or npos.
size_t find_plain(std::string_view text, char wanted) {
    size_t found = std::string_view::npos;
    walk(text, [&](size_t i, char c, Ctx ctx) {
        if (ctx == Ctx::plain && c == wanted) {
            found = i;
            return false;
        }
        return true;
    });
    return found;
}

// An address worth comparing: an `@` outside quotes and nothing that
// cannot appear in an addr-spec outside quotes. Anything else (unbalanced
// garbage, a bare word) is reported as unparsable: empty.
std::string plausible(const std::string& address) {
    bool at = false;
    bool ok = true;
    walk(address, [&](size_t, char c, Ctx ctx) {
        if (ctx != Ctx::plain)
            return true;
        if (c == '@')
            at = true;
        ok = std::string_view("<>(),; \t\\").find(c) == std::string_view::npos;
        return ok;
    });
    return ok && at ? address : std::string();
}

// Appends `c`, collapsing whitespace runs to one space.
void append_collapsed(std::string& out, char c) {
    if (text::is_space(c)) {
        if (!out.empty() && out.back() != ' ')
            out += ' ';
    } else {
        out += c;
    }
}

// The phrase before `<`: quoted strings unquoted, comments dropped.
void read_display_name(std::string_view phrase, HeaderFrom& from) {
    std::string name;
    walk(phrase, [&](size_t, char c, Ctx ctx) {
        if (ctx == Ctx::plain || ctx == Ctx::quoted)
            append_collapsed(name, c);
        if (ctx == Ctx::syntax && c == '"')
            from.display_name_quoted = true;
        return true;
    });
    from.display_name = std::string(text::trim(name));
}

// `<addr>` content up to the first `>` outside quotes.
std::string read_angle(std::string_view after_open) {
    std::string address;
    walk(after_open, [&](size_t, char c, Ctx ctx) {
        if (ctx == Ctx::plain && c == '>')
            return false;
        if (ctx != Ctx::comment && !(ctx == Ctx::syntax && c != '"'))
            address += c;
        return true;
    });
    return strip_angle("<" + std::string(text::trim(address)) + ">");
}

// addr-spec without angles: comments out (the first becomes the display
// name), quotes kept, whitespace dropped, a group name before `:` skipped.
void read_addr_spec(std::string_view mailbox, HeaderFrom& from) {
    std::string address;
    std::string comment;
    bool comment_done = false;
    walk(mailbox, [&](size_t, char c, Ctx ctx) {
        if (ctx == Ctx::comment && !comment_done)
            append_collapsed(comment, c);
        if (ctx == Ctx::syntax && c == ')' && !comment.empty())
            comment_done = true;
        if (ctx == Ctx::plain && c == ':') {
            address.clear();  // "Group: a@b;" -> a@b
        } else if ((ctx == Ctx::plain && !text::is_space(c) && c != ';') || ctx == Ctx::quoted ||
                   (ctx == Ctx::syntax && c == '"')) {
            address += c;
        }
        return true;
    });
    from.address = plausible(address);
    from.display_name = std::string(text::trim(comment));
}

constexpr std::string_view unquoted_specials = "'()<>[]:;@\\,\"";
constexpr std::string_view quoted_specials = "'\"\\";

}  // namespace

HeaderFrom parse_header_from(std::string_view value) {
    const std::string text = unfold(value);
    HeaderFrom from;
    const size_t open = find_plain(text, '<');
    if (open != std::string::npos) {
        read_display_name(std::string_view(text).substr(0, open), from);
        from.address = plausible(read_angle(std::string_view(text).substr(open + 1)));
        return from;
    }
    const size_t comma = find_plain(text, ',');
    read_addr_spec(std::string_view(text).substr(0, comma), from);
    return from;
}

// Which characters are reported, and why:
// - The apostrophe always: "Mark's email <mark@example.test>" is the known
//   trigger; some servers and webmail filters refuse or mangle it even
//   though RFC 5322 allows it in an atom.
// - In a name that was not quoted, the RFC 5322 specials that are not
//   allowed there at all: ( ) < > [ ] : ; @ \ , " -- an unquoted comma
//   makes "Smith, John <j@x>" read as two addresses. The dot is left out:
//   "J. Smith" unquoted is the obsolete phrase syntax every parser takes.
// - In a quoted name only `"` and `\`, which needed backslash escapes that
//   many parsers get wrong. A comma or dot inside quotes ("Smith, John")
//   is everyday and harmless.
std::string special_characters(std::string_view display_name, bool quoted) {
    const std::string_view specials = quoted ? quoted_specials : unquoted_specials;
    std::string found;
    for (char c : specials) {
        if (display_name.find(c) != std::string_view::npos)
            found += c;
    }
    return found;
}

std::string special_characters(std::string_view display_name) {
    return special_characters(display_name, false);
}

}  // namespace milter503::policy
