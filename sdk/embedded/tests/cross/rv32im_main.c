/* Test-only: the C half of the RV32 start-up (rv32im_startup.S): command line, main, exit. */
#include "../tml_test_platform.h"

int main(int argc, char **argv);
int tml_test_command_line(char ***argv);
void rv32im_main(void);

void rv32im_main(void) {
  char **argv;
  const int argc = tml_test_command_line(&argv);
  tml_test_exit(main(argc, argv));
}
