package ai.vtpu.runtime.exec;

import ai.vtpu.isa.siw.ReduceOp;
import java.util.List;

/**
 * How the C pipe reaches other sentrons. {@link LocalTransport} connects the sentrons of one host through
 * shared memory; a network implementation (NATS, router-svc) plugs in here for sentrons on other hosts.
 * Every blocking call gives up after the transport's timeout with a {@link ai.vtpu.runtime.VtpuRuntimeException}
 * naming the peer or group, never a hang. Results of collectives are bit-identical on every member.
 */
public interface Transport {

    /** A tile in flight: its shape and a private copy of its values. */
    record Message(int rows, int cols, float[] data) {
    }

    /** Sends a copy of the values; never blocks on the receiver. */
    void send(int from, int to, int channel, Message m);

    /** The next message from {@code from} on {@code channel}, in send order. */
    Message receive(int to, int from, int channel);

    /** Returns when every member of the group has called it for the same round. */
    void barrier(int self, List<Integer> members, int group);

    /** In-place all-reduce over the group: {@code mine.data()} becomes the combination of every member's values. */
    void allReduce(int self, List<Integer> members, int group, ReduceOp op, Message mine);

    /** Every member gets the root's values. */
    Message broadcast(int self, List<Integer> members, int group, int root, Message mine);

    /** The members' messages stacked by rows in rank order. */
    Message allGather(int self, List<Integer> members, int group, Message mine);

    /** Makes every blocked and later call fail at once with {@code reason}: a member of the run has failed. */
    void abort(String reason);
}
