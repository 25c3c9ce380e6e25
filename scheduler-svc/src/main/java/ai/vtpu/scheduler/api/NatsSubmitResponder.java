package ai.vtpu.scheduler.api;

import ai.vtpu.cluster.protocol.JobRecord;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.cluster.protocol.ApiException;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Submission over NATS: the same JSON as {@code POST /v1/jobs} on {@link Subjects#SUBMIT}; the reply is
 * {@code {"id","status"}} or the problem the REST API would return. Queue group, so several schedulers share the load.
 */
@Startup
@ApplicationScoped
public class NatsSubmitResponder {
    @Inject
    SchedulerService service;

    private Dispatcher dispatcher;

    @PostConstruct
    void start() {
        dispatcher = service.connection().createDispatcher(this::onSubmit);
        dispatcher.subscribe(Subjects.SUBMIT, Subjects.SCHEDULER_QUEUE);
    }

    void onSubmit(Message m) {
        byte[] reply;
        try {
            JobRecord j = service.scheduler().submit(service.scheduler().parser().parse(m.getData()));
            reply = Json.bytes(new Views.Accepted(j.id(), j.status()));
        } catch (RuntimeException e) {
            reply = Json.bytes(ApiException.problemOf(e, Subjects.SUBMIT));
        }
        if (m.getReplyTo() != null) {
            service.connection().publish(m.getReplyTo(), reply);
        }
    }

    @PreDestroy
    void stop() {
        if (dispatcher != null && service.connection().getStatus() != io.nats.client.Connection.Status.CLOSED) {
            service.connection().closeDispatcher(dispatcher);
        }
    }
}
