// NAME
//	reply 3
// SUMMARY
//	SMTP reply splitter
// DESCRIPTION
//	The code is taken only when three digits are followed by a space, a
//	`-` (continuation line) or the end; the status only when it directly
//	follows a code, or starts a text that has no code (Postfix's milter
//	macros and some panels write `5.7.1 text`). An address prefix is taken
//	only with its `: ` or `... ` separator, so a text that merely starts
//	with `<` stays whole.
#include "policy/reply.hpp"

#include "policy/text.hpp"

namespace milter503::policy {
namespace {

// Digits from `pos`, 1 to 3 of them; advances `pos`.
bool read_number(std::string_view s, size_t& pos) {
    const size_t start = pos;
    while (pos < s.size() && text::is_digit(s[pos]) && pos - start < 3)
        ++pos;
    return pos > start && (pos == s.size() || !text::is_digit(s[pos]));
}

// Removes a leading `word ` (or the whole text when it has no space) and
// returns the word.
std::string_view take_word(std::string_view& s) {
    const size_t space = s.find(' ');
    const std::string_view word = s.substr(0, space);
    s = space == std::string_view::npos ? std::string_view{} : s.substr(space + 1);
    return word;
}

bool starts_with_code(std::string_view s) {
    return s.size() >= 3 && text::is_digit(s[0]) && text::is_digit(s[1]) && text::is_digit(s[2]) &&
           (s.size() == 3 || s[3] == ' ' || s[3] == '-');
}

bool starts_with_status(std::string_view s) {
    return is_enhanced_status(s.substr(0, s.find(' ')));
}

void take_address(Reply& reply) {
    std::string_view s = reply.text;
    if (s.empty() || s.front() != '<')
        return;
    const size_t close = s.find('>');
    if (close == std::string_view::npos)
        return;
    const std::string_view after = s.substr(close + 1);
    size_t separator = 0;
    if (after.starts_with(": ")) {
        separator = 2;
    } else if (after.starts_with("... ")) {
        separator = 4;
    } else if (after == ":" || after == "...") {
        separator = after.size();
    } else {
        return;
    }
    reply.address = s.substr(1, close - 1);
    reply.text = after.substr(separator);
}

}  // namespace

bool is_enhanced_status(std::string_view s) {
    if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
        return false;
    size_t pos = 2;
    if (!read_number(s, pos) || pos >= s.size() || s[pos] != '.')
        return false;
    ++pos;
    return read_number(s, pos) && pos == s.size();
}

Reply split_reply(std::string_view s) {
    Reply reply;
    if (starts_with_code(s)) {
        reply.code = s.substr(0, 3);
        s = s.size() > 4 ? s.substr(4) : std::string_view{};
    }
    if (starts_with_status(s))
        reply.status = take_word(s);
    reply.text = s;
    take_address(reply);
    return reply;
}

Reply split_refusal(std::string_view rcpt_host, std::string_view rcpt_addr) {
    Reply reply = split_reply(rcpt_addr);
    if (is_enhanced_status(rcpt_host))
        reply.status = rcpt_host;
    return reply;
}

}  // namespace milter503::policy
