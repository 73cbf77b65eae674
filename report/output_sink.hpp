// NAME
//	output_sink 3h
// SUMMARY
//	where a renderer's text goes, a piece at a time
// SYNOPSIS
//	#include "report/output_sink.hpp"
// DESCRIPTION
//	A renderer appends to a string and, between clients, calls drain():
//	once the string holds chunk_bytes or more, it goes to the sink and
//	the string starts again. A report of 10^5 clients is then never whole
//	in memory (as one string it was 70 MB of text, 165 MB of JSON, and
//	twice that while the string grew). The sink sees the text in order;
//	cut points carry no meaning.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace milter503::report {

using OutputSink = std::function<void(std::string_view)>;

constexpr size_t chunk_bytes = size_t{64} * 1024;

// Hands `text` to `sink` and empties it, once it holds chunk_bytes.
inline void drain(std::string& text, const OutputSink& sink) {
    if (text.size() < chunk_bytes)
        return;
    sink(text);
    text.clear();
}

// The rest of `text`, at the end.
inline void flush(std::string& text, const OutputSink& sink) {
    if (!text.empty())
        sink(text);
    text.clear();
}

// Runs a sink-taking renderer into one string (tests, small reports).
template <typename Render>
std::string render_to_string(Render&& render) {
    std::string all;
    render([&all](std::string_view piece) { all += piece; });
    return all;
}

}  // namespace milter503::report
