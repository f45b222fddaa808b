#include <iostream>
int main() { std::cout << "keeper\n"; }
