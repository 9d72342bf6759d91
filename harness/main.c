#include <stdio.h>
int main(void) { printf("synbench " SB_VERSION "\n"); return 0; }
