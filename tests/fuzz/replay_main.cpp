// NAME
//	replay_main - run a fuzz target on saved inputs, without libFuzzer
// SYNOPSIS
//	fuzz-TARGET-replay FILE_OR_DIRECTORY...
// DESCRIPTION
//	The ctest side of the fuzz targets: built with the project's own
//	compiler, it feeds every file (directories: every file in them) to
//	LLVMFuzzerTestOneInput once. The seed corpus and every input that
//	once crashed are kept under tests/fuzz/corpus/TARGET, so they stay
//	fixed. A crash or abort fails the test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void run_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
    size_t count = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        if (std::filesystem::is_directory(arg)) {
            for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
                if (!entry.is_regular_file())
                    continue;
                run_file(entry.path());
                ++count;
            }
        } else {
            run_file(arg);
            ++count;
        }
    }
    std::printf("%zu inputs replayed\n", count);
    return count > 0 ? 0 : 1;
}
