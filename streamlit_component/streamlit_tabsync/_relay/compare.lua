-- Compares two stamps with stamp_cmp (stamp.lua, prepended): used by the tests to check the
-- scripts' order against the Python and Rust ones.
-- ARGV: wall_a, counter_a, tab_a, wall_b, counter_b, tab_b. Returns -1, 0 or 1.
return stamp_cmp(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
