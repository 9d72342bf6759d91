/* CPU pinning of the load generator's threads (client and server). */
#include <pthread.h>
#include <sched.h>

#include "loadgen/lg_internal.h"

int lg_cpu_of(uint32_t idx)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -1;
	n = CPU_COUNT(&set);
	if (n < 1)
		return -1;
	idx %= (uint32_t)n;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && idx-- == 0)
			return cpu;
	return -1;
}

uint32_t lg_ncpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	return (uint32_t)CPU_COUNT(&set);
}

void lg_pin_self(uint32_t idx)
{
	int cpu = lg_cpu_of(idx);
	cpu_set_t one;

	if (cpu < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
}
