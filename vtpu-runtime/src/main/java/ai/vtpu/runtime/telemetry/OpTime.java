package ai.vtpu.runtime.telemetry;

/**
 * The time one sentron spent executing one opcode in a run: how many ops and their summed wall time, each op
 * timed from its start to its end on the thread that ran it (the dispatch thread for D ops; the S worker or,
 * inline, the dispatch thread for S ops). Dispatch between ops and waits are not in it.
 *
 * @param pipe "D" or "S"
 */
public record OpTime(String pipe, String opcode, long count, long nanos) {
}
